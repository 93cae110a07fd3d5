//! `wsdl.*`: the service description a test platform generates its client from. Read
//! with quick-xml's namespace-aware reader into the few things UWLR fixes: operations,
//! their SOAPActions, the elements of their messages, the header, the SOAP version; then
//! compared with UWLR.md §1.

use super::probe::{body_start, wsdl_url};
use super::report::Verdict;
use super::requests::{Service, LL_NS};
use super::Ctx;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;
use std::collections::HashMap;

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP11_BINDING_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const SOAP12_BINDING_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";
const LR_NS: &str = crate::message::leerresultaten::NS;
const AUT_NS: &str = crate::message::autorisatie::NS;

/// An element name with its namespace.
type Name = (String, String);

#[derive(Debug, Default)]
struct BindingOp {
    name: String,
    soap_action: Option<String>,
    /// The message named by `soap:header` in the input.
    header_message: Option<String>,
}

#[derive(Debug, Default)]
struct Binding {
    name: String,
    port_type: String,
    soap12: bool,
    ops: Vec<BindingOp>,
}

#[derive(Debug, Default)]
struct PortTypeOp {
    name: String,
    input: Option<String>,
    output: Option<String>,
}

/// What the suite needs of a WSDL. References between parts (message, portType,
/// binding) are kept by local name: a UWLR WSDL defines them in its own namespace.
#[derive(Debug, Default)]
pub(crate) struct Wsdl {
    messages: HashMap<String, Vec<Name>>,
    port_types: HashMap<String, Vec<PortTypeOp>>,
    bindings: Vec<Binding>,
    /// `wsdl:port`s: the binding each names (local name) and its `soap:address`.
    ports: Vec<(String, Option<String>)>,
    schema_locations: Vec<String>,
    wsdl_imports: usize,
}

/// One operation as UWLR.md §1 has it.
struct OpSpec {
    name: &'static str,
    action: &'static str,
    input: (&'static str, &'static str),
    output: (&'static str, &'static str),
}

const LL_GETRAPT: [&str; 3] = ["HaalStructuur", "HaalLeerlingen", "HaalLeerkrachten"];

const LL_OPS: [OpSpec; 4] = [
    OpSpec {
        name: "HaalLeerlinggegevens",
        action: "HaalLeerlinggegevens",
        input: (LL_NS, "leerlinggegevens_verzoek"),
        output: (LL_NS, "leerlinggegevens_antwoord"),
    },
    OpSpec {
        name: "HaalStructuur",
        action: "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/structuur_verzoek",
        input: (LL_NS, "structuur_verzoek"),
        output: (LL_NS, "structuur_antwoord"),
    },
    OpSpec {
        name: "HaalLeerlingen",
        action: "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerlingen_verzoek",
        input: (LL_NS, "leerlingen_verzoek"),
        output: (LL_NS, "leerlingen_antwoord"),
    },
    OpSpec {
        name: "HaalLeerkrachten",
        action: "http://www.edustandaard.nl/leerresultaten/2/leerlinggegevens/leerkrachten_verzoek",
        input: (LL_NS, "leerkrachten_verzoek"),
        output: (LL_NS, "leerkrachten_antwoord"),
    },
];

const LR_OPS: [OpSpec; 1] = [OpSpec {
    name: "BrengLeerresultaten",
    action: "BrengLeerresultaten",
    input: (LR_NS, "leerresultaten_verzoek"),
    output: (LR_NS, "leerresultaten_bevestiging"),
}];

/// `wsdl.leerlinggegevens`. Also notes whether getrapt is offered, and where the WSDL
/// says the alles-in-een and getrapt operations are served.
pub(super) async fn leerlinggegevens(ctx: &mut Ctx<'_>) -> Verdict {
    let url = ctx.t.endpoint.clone();
    let (verdict, wsdl) = check(ctx, &url, &LL_OPS).await;
    if let Some(w) = wsdl {
        ctx.getrapt_offered = Some(LL_GETRAPT.iter().any(|op| w.binding_op(op).is_some()));
    }
    verdict
}

/// `wsdl.leerresultaten`.
pub(super) async fn leerresultaten(ctx: &mut Ctx<'_>) -> Verdict {
    let Some(url) = ctx.t.results_endpoint.clone() else {
        return Verdict::na("no --results-endpoint given");
    };
    check(ctx, &url, &LR_OPS).await.0
}

/// The services of `ops`, each with the operation whose port says where it is served
/// (getrapt: the first getrapt operation the WSDL binds).
fn services(ops: &[OpSpec]) -> Vec<(Service, &'static [&'static str])> {
    if ops[0].name == LR_OPS[0].name {
        vec![(Service::Leerresultaten, &["BrengLeerresultaten"])]
    } else {
        vec![(Service::Leerlinggegevens, &["HaalLeerlinggegevens"]), (Service::Getrapt, &LL_GETRAPT)]
    }
}

/// Where each service of `ops` is called, by the WSDL read: its port's `soap:address`
/// unless `--force-endpoint` (or a `--getrapt-endpoint`) says otherwise. Records the
/// addresses used in `ctx`; returns the warnings for addresses that differ from the one
/// given.
fn route(ctx: &mut Ctx<'_>, wsdl: &Wsdl, ops: &[OpSpec]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (service, names) in services(ops) {
        let Some(given) = service.url(ctx.t).map(str::to_owned) else { continue };
        let Some((op, address)) = names.iter().find_map(|n| wsdl.address_of(n).map(|a| (*n, a))) else { continue };
        if same_url(address, &given) {
            continue;
        }
        let usable = reqwest::Url::parse(address).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            && !address.contains("NOTDEFINEDYET");
        let explicit_getrapt = service == Service::Getrapt && ctx.t.getrapt_endpoint.is_some();
        let what = format!("{op}: the WSDL's soap:address is '{address}', not the endpoint given ('{given}')");
        if !usable {
            warnings.push(format!("{what}: not a usable URL, so the checks call the endpoint given"));
        } else if ctx.t.force_endpoint || explicit_getrapt {
            let flag = if explicit_getrapt { "--getrapt-endpoint" } else { "--force-endpoint" };
            warnings.push(format!(
                "{what}: {flag}, so the checks call the endpoint given; clients generated from the WSDL call the other"
            ));
        } else {
            warnings.push(format!(
                "{what}: the checks call the WSDL's address, as clients generated from it do \
                 (--force-endpoint calls the endpoint given)"
            ));
            ctx.wsdl_address.insert(service, address.to_owned());
        }
    }
    warnings
}

/// Two URLs naming the same place (`http://h:80/x` and `http://h/x/` alike).
fn same_url(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
                && a.port_or_known_default() == b.port_or_known_default()
                && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
                && a.query() == b.query()
        }
        _ => a == b,
    }
}

async fn check(ctx: &mut Ctx<'_>, endpoint: &str, ops: &[OpSpec]) -> (Verdict, Option<Wsdl>) {
    let url = wsdl_url(endpoint);
    let ex = match ctx.probe.get(&url).await {
        Ok(ex) => ex,
        Err(e) => return (Verdict::fail(format!("GET {url}: {e}")).fix(e.fix()), None),
    };
    if ex.status != 200 {
        return (Verdict::fail(format!("GET {url}: HTTP {} ({})", ex.status, body_start(&ex.body))), None);
    }
    let wsdl = match parse(&ex.body) {
        Ok(w) => w,
        Err(e) => return (Verdict::fail(format!("GET {url}: {e}")), None),
    };
    let (mut problems, mut warnings) = wsdl.judge(ops);
    warnings.extend(route(ctx, &wsdl, ops));
    let (schemas, schema_warnings) = schemas(ctx, &url, &wsdl.schema_locations).await;
    warnings.extend(schema_warnings);
    let found: Vec<&str> = ops.iter().filter(|o| wsdl.binding_op(o.name).is_some()).map(|o| o.name).collect();
    let summary = format!(
        "{} with the SOAPActions and elements of UWLR.md §1; SOAP 1.1; {} imported schema(s) reachable",
        if found.is_empty() { "no UWLR operation".to_string() } else { found.join(", ") },
        schemas
    );
    if !problems.is_empty() {
        let why = format!("{} problem(s): {}", problems.len(), problems[0]);
        problems.extend(warnings);
        return (Verdict::fail(why).details(problems), Some(wsdl));
    }
    if !warnings.is_empty() {
        let why = format!("{summary}; but {}", warnings[0]);
        return (Verdict::warn(why).details(warnings), Some(wsdl));
    }
    (Verdict::pass(summary), Some(wsdl))
}

/// Fetches each imported schema (relative to the WSDL's URL) and checks it is XML.
async fn schemas(ctx: &Ctx<'_>, wsdl_url: &str, locations: &[String]) -> (usize, Vec<String>) {
    let base = reqwest::Url::parse(wsdl_url).ok();
    let mut ok = 0;
    let mut warnings = Vec::new();
    for loc in locations {
        let Some(url) = base.as_ref().and_then(|b| b.join(loc).ok()) else {
            warnings.push(format!("schemaLocation '{loc}' is not a usable URL"));
            continue;
        };
        match ctx.probe.get(url.as_str()).await {
            Ok(ex) if ex.status == 200 && well_formed(&ex.body).is_ok() => ok += 1,
            Ok(ex) if ex.status == 200 => warnings.push(format!(
                "schema {url}: not well-formed XML: {}",
                well_formed(&ex.body).err().unwrap_or_default()
            )),
            Ok(ex) => warnings.push(format!("schema {url}: HTTP {}", ex.status)),
            Err(e) => warnings.push(format!("schema {url}: {e}")),
        }
    }
    (ok, warnings)
}

fn well_formed(body: &[u8]) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_reader(body);
    r.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut elements = 0;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Eof) if elements > 0 => return Ok(()),
            Ok(Event::Eof) => return Err("no element".into()),
            Ok(Event::Start(_) | Event::Empty(_)) => elements += 1,
            Ok(_) => {}
            Err(e) => return Err(format!("at byte {}: {e}", r.buffer_position())),
        }
        buf.clear();
    }
}

/// `"x"` and `x` alike.
fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim()
}

impl Wsdl {
    /// The SOAP 1.1 binding operation of that name, with its binding.
    fn binding_op(&self, name: &str) -> Option<(&Binding, &BindingOp)> {
        self.bindings.iter().filter(|b| !b.soap12).find_map(|b| b.ops.iter().find(|o| o.name == name).map(|o| (b, o)))
    }

    /// The `soap:address` of the port whose (SOAP 1.1) binding has the operation `op`.
    fn address_of(&self, op: &str) -> Option<&str> {
        let (binding, _) = self.binding_op(op)?;
        self.ports.iter().filter(|(b, _)| *b == binding.name).find_map(|(_, a)| a.as_deref())
    }

    fn message_element(&self, message: Option<&str>) -> Option<&Name> {
        self.messages.get(message?)?.first()
    }

    /// Problems (fail) and warnings against the expected operations.
    /// (Where each operation is served is judged by `route`.)
    fn judge(&self, ops: &[OpSpec]) -> (Vec<String>, Vec<String>) {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let required = ops[0].name;
        for spec in ops {
            let Some((binding, op)) = self.binding_op(spec.name) else {
                let in12 = self.bindings.iter().any(|b| b.soap12 && b.ops.iter().any(|o| o.name == spec.name));
                if in12 {
                    problems.push(format!(
                        "{} has only a SOAP 1.2 binding; UWLR is SOAP 1.1 (binding namespace {SOAP11_BINDING_NS})",
                        spec.name
                    ));
                } else if spec.name == required {
                    let extra =
                        if self.wsdl_imports > 0 { " (this WSDL imports others, which are not read)" } else { "" };
                    problems.push(format!("no operation {} in a SOAP 1.1 binding{extra}", spec.name));
                }
                continue;
            };
            match op.soap_action.as_deref().map(unquote) {
                Some(a) if a == spec.action => {}
                Some(a) => problems.push(format!(
                    "{}: SOAPAction '{a}'; UWLR.md §1 says '{}' (clients generated from this WSDL send it)",
                    spec.name, spec.action
                )),
                None => problems
                    .push(format!("{}: no soap:operation soapAction; UWLR.md §1 says '{}'", spec.name, spec.action)),
            }
            let pt_op =
                self.port_types.get(&binding.port_type).and_then(|ops| ops.iter().find(|o| o.name == spec.name));
            let Some(pt_op) = pt_op else {
                problems.push(format!("{}: no operation of that name in portType '{}'", spec.name, binding.port_type));
                continue;
            };
            for (what, message, want) in
                [("input", pt_op.input.as_deref(), spec.input), ("output", pt_op.output.as_deref(), spec.output)]
            {
                match self.message_element(message) {
                    Some((ns, local)) if ns == want.0 && local == want.1 => {}
                    Some((ns, local)) => problems.push(format!(
                        "{}: {what} element {{{ns}}}{local}; UWLR.md §1 says {{{}}}{}",
                        spec.name, want.0, want.1
                    )),
                    None => problems.push(format!(
                        "{}: the {what} message '{}' names no element; UWLR.md §1 says {{{}}}{}",
                        spec.name,
                        message.unwrap_or("?"),
                        want.0,
                        want.1
                    )),
                }
            }
            match self.message_element(op.header_message.as_deref()) {
                Some((ns, local)) if ns == AUT_NS && local == "autorisatie" => {}
                _ => warnings.push(format!(
                    "{}: the input declares no soap:header with {{{AUT_NS}}}autorisatie; clients generated from \
                     this WSDL will not send the key",
                    spec.name
                )),
            }
        }
        (problems, warnings)
    }
}

/// Reads the parts of a WSDL 1.1 document the suite judges.
pub(crate) fn parse(body: &[u8]) -> Result<Wsdl, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the WSDL is not UTF-8 (byte {})", e.valid_up_to()))?;
    let mut r = NsReader::from_str(text);
    r.config_mut().check_end_names = true;
    let mut w = Wsdl::default();
    // Open elements: (namespace, local name).
    let mut stack: Vec<Name> = Vec::new();
    let mut root_seen = false;
    let mut current_message: Option<String> = None;
    let mut current_pt: Option<String> = None;
    loop {
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(|e| format!("not well-formed XML at byte {pos}: {e}"))?;
        let (start, empty) = match ev {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = resolve(&r, &start);
        if !root_seen {
            root_seen = true;
            if name != (WSDL_NS.to_string(), "definitions".to_string()) {
                return Err(format!("the document is <{{{}}}{}>, not a WSDL 1.1 wsdl:definitions", name.0, name.1));
            }
        }
        let parent = stack.last().map(|(ns, l)| (ns.as_str(), l.as_str()));
        let grand = stack.len().checked_sub(2).and_then(|i| stack.get(i)).map(|(ns, l)| (ns.as_str(), l.as_str()));
        let attr = |k: &str| attr(&start, k);
        match (name.0.as_str(), name.1.as_str()) {
            (WSDL_NS, "message") => {
                let n = attr("name").unwrap_or_default();
                w.messages.entry(n.clone()).or_default();
                current_message = Some(n);
            }
            (WSDL_NS, "part") if parent == Some((WSDL_NS, "message")) => {
                if let (Some(m), Some(el)) = (&current_message, attr("element")) {
                    let q = resolve_qname(&r, &el);
                    w.messages.entry(m.clone()).or_default().push(q);
                }
            }
            (WSDL_NS, "portType") => {
                let n = attr("name").unwrap_or_default();
                w.port_types.entry(n.clone()).or_default();
                current_pt = Some(n);
            }
            (WSDL_NS, "operation") if parent == Some((WSDL_NS, "portType")) => {
                if let Some(pt) = &current_pt {
                    let op = PortTypeOp { name: attr("name").unwrap_or_default(), ..Default::default() };
                    w.port_types.entry(pt.clone()).or_default().push(op);
                }
            }
            (WSDL_NS, "input" | "output") if grand == Some((WSDL_NS, "portType")) => {
                let msg = attr("message").map(|m| local(&m).to_string());
                if let Some(op) = current_pt.as_ref().and_then(|pt| w.port_types.get_mut(pt)).and_then(|v| v.last_mut())
                {
                    if name.1 == "input" {
                        op.input = msg;
                    } else {
                        op.output = msg;
                    }
                }
            }
            (WSDL_NS, "binding") => w.bindings.push(Binding {
                name: attr("name").unwrap_or_default(),
                port_type: attr("type").map(|t| local(&t).to_string()).unwrap_or_default(),
                ..Default::default()
            }),
            (SOAP12_BINDING_NS, "binding") if parent == Some((WSDL_NS, "binding")) => {
                if let Some(b) = w.bindings.last_mut() {
                    b.soap12 = true;
                }
            }
            (WSDL_NS, "operation") if parent == Some((WSDL_NS, "binding")) => {
                if let Some(b) = w.bindings.last_mut() {
                    b.ops.push(BindingOp { name: attr("name").unwrap_or_default(), ..Default::default() });
                }
            }
            (SOAP11_BINDING_NS | SOAP12_BINDING_NS, "operation") if grand == Some((WSDL_NS, "binding")) => {
                if let Some(op) = w.bindings.last_mut().and_then(|b| b.ops.last_mut()) {
                    op.soap_action = Some(attr("soapAction").unwrap_or_default());
                }
            }
            (SOAP11_BINDING_NS | SOAP12_BINDING_NS, "header") if parent == Some((WSDL_NS, "input")) => {
                if let Some(op) = w.bindings.last_mut().and_then(|b| b.ops.last_mut()) {
                    op.header_message = attr("message").map(|m| local(&m).to_string());
                }
            }
            (WSDL_NS, "port") => {
                w.ports.push((attr("binding").map(|b| local(&b).to_string()).unwrap_or_default(), None))
            }
            (SOAP11_BINDING_NS | SOAP12_BINDING_NS, "address") if parent == Some((WSDL_NS, "port")) => {
                if let (Some(port), Some(l)) = (w.ports.last_mut(), attr("location")) {
                    port.1 = Some(l);
                }
            }
            (XSD_NS, "import" | "include") => {
                if let Some(l) = attr("schemaLocation") {
                    w.schema_locations.push(l);
                }
            }
            (WSDL_NS, "import") => w.wsdl_imports += 1,
            _ => {}
        }
        if !empty {
            stack.push(name);
        }
    }
    if !root_seen {
        return Err("the document holds no element".into());
    }
    Ok(w)
}

fn resolve(r: &NsReader<&[u8]>, s: &BytesStart<'_>) -> Name {
    let (ns, local) = r.resolver().resolve_element(s.name());
    (namespace(ns), local.into_inner().to_string())
}

/// A QName in an attribute value (`lg:leerlinggegevens_verzoek`), resolved in the
/// current element's scope (an unprefixed one takes the default namespace).
fn resolve_qname(r: &NsReader<&[u8]>, value: &str) -> Name {
    let (ns, local) = r.resolver().resolve_element(QName(value));
    (namespace(ns), local.into_inner().to_string())
}

/// The resolver keeps declarations as written: unescape them.
fn namespace(r: ResolveResult<'_>) -> String {
    match r {
        ResolveResult::Bound(n) => {
            quick_xml::escape::unescape(n.0).map(|c| c.into_owned()).unwrap_or_else(|_| n.0.to_string())
        }
        _ => String::new(),
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

fn attr(s: &BytesStart<'_>, key: &str) -> Option<String> {
    s.attributes()
        .flatten()
        .find(|a| a.key.0 == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = include_str!("../../schemas/uwlr-2.3/wsdl/uwlr-leerlinggegevens-2.3.wsdl");
    const OURS_LR: &str = include_str!("../../schemas/uwlr-2.3/wsdl/uwlr-leerresultaten-2.3.wsdl");

    #[test]
    fn our_wsdls_meet_uwlr() {
        let w = parse(OURS.as_bytes()).unwrap();
        let (problems, warnings) = w.judge(&LL_OPS);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(LL_GETRAPT.iter().all(|op| w.binding_op(op).is_some()));
        assert_eq!(w.schema_locations.len(), 2);
        let w = parse(OURS_LR.as_bytes()).unwrap();
        let (problems, warnings) = w.judge(&LR_OPS);
        assert!(problems.is_empty() && warnings.is_empty(), "{problems:?} {warnings:?}");
    }

    #[test]
    fn each_operation_has_its_ports_address() {
        let two = OURS.replacen(
            "<soap:address location=\"http://localhost:8080/uwlr/leerlinggegevens\"/>\n    </wsdl:port>\n    <wsdl:port name=\"prtLeerlinggegevensService-getrapt\" binding=\"lg:bndLeerlinggegevens-getrapt\">\n      <soap:address location=\"http://localhost:8080/uwlr/leerlinggegevens\"/>",
            "<soap:address location=\"http://localhost:8080/uwlr/leerlinggegevens\"/>\n    </wsdl:port>\n    <wsdl:port name=\"prtLeerlinggegevensService-getrapt\" binding=\"lg:bndLeerlinggegevens-getrapt\">\n      <soap:address location=\"http://elsewhere:9000/getrapt\"/>",
            1,
        );
        assert_ne!(two, OURS);
        let w = parse(two.as_bytes()).unwrap();
        assert_eq!(w.address_of("HaalLeerlinggegevens"), Some("http://localhost:8080/uwlr/leerlinggegevens"));
        for op in LL_GETRAPT {
            assert_eq!(w.address_of(op), Some("http://elsewhere:9000/getrapt"), "{op}");
        }
        assert_eq!(w.address_of("BrengLeerresultaten"), None);
        assert!(same_url("http://H:80/uwlr/", "http://h/uwlr"));
        assert!(!same_url("http://h/uwlr", "https://h/uwlr"));
        assert!(!same_url("http://h:8080/uwlr", "http://h/uwlr"));
    }

    #[test]
    fn deviations_are_named() {
        let bad = OURS
            .replace("soapAction=\"HaalLeerlinggegevens\"", "soapAction=\"urn:haal\"")
            .replace("element=\"lg:leerlinggegevens_antwoord\"", "element=\"lg:antwoord\"")
            .replace("<soap:header message=\"lg:msgHeader\" part=\"msgpHeader\" use=\"literal\"/>", "");
        let w = parse(bad.as_bytes()).unwrap();
        let (problems, warnings) = w.judge(&LL_OPS);
        assert!(problems.iter().any(|p| p.contains("SOAPAction 'urn:haal'")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("output element") && p.contains("}antwoord")), "{problems:?}");
        assert!(warnings.iter().any(|p| p.contains("no soap:header")), "{warnings:?}");
        let soap12 = OURS.replace(SOAP11_BINDING_NS, SOAP12_BINDING_NS);
        let (problems, _) = parse(soap12.as_bytes()).unwrap().judge(&LL_OPS);
        assert!(problems.iter().any(|p| p.contains("SOAP 1.2")), "{problems:?}");
        assert!(parse(b"<html><body>not here</body></html>").unwrap_err().contains("not a WSDL"));
        assert!(parse(b"<wsdl:definitions xmlns:wsdl=\"x\">").is_err());
    }
}
