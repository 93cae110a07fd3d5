pub struct Doc;
impl Doc { pub fn pupils(&self) -> usize { 0 } }
pub fn parse(_s: &str) -> Result<Doc, String> { Err("todo".into()) }
