//! The pupil for life, as the school handles it: the Boom pupil numbers to paste into a
//! dashboard (SchoolKr8, Focus PO) in bulk, and merging two records of one pupil (a store
//! doubled by an import, say) into one.

use super::{Gateway, GatewayError};
use crate::store::pupils::{self, Merged};
use serde::Serialize;

/// One pupil's Boom number, with what the school recognises the pupil by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoomNumber {
    pub boom_nummer: String,
    pub leerling_id: i64,
    pub naam: String,
    pub groep: Option<String>,
    pub jaargroep: Option<String>,
}

impl Gateway {
    /// The Boom numbers of the location's active pupils in the current year, by group and
    /// name; only those of group `groep` (its name) when given.
    pub async fn boom_numbers(&self, location: &str, groep: Option<&str>) -> Result<Vec<BoomNumber>, GatewayError> {
        self.boom_numbers_of_year(location, None, groep).await
    }

    /// [`Gateway::boom_numbers`] of school year `schooljaar` (`None`: the current year), as
    /// [`Gateway::records_of_year`] reads it.
    pub async fn boom_numbers_of_year(
        &self,
        location: &str,
        schooljaar: Option<&str>,
        groep: Option<&str>,
    ) -> Result<Vec<BoomNumber>, GatewayError> {
        let records = self.records_of_year(location, schooljaar).await?;
        let names: std::collections::HashMap<i64, &str> =
            records.groepen.iter().map(|g| (g.id, g.naam.as_str())).collect();
        let groep = groep.map(str::trim);
        if let Some(g) = groep {
            if !names.values().any(|n| n.eq_ignore_ascii_case(g)) {
                let mut known: Vec<&str> = names.values().copied().collect();
                known.sort_unstable();
                return Err(GatewayError::NotFound(format!(
                    "{location} has no group '{g}' this year; its groups: {}",
                    known.join(", ")
                )));
            }
        }
        let mut out: Vec<BoomNumber> = records
            .leerlingen
            .iter()
            .filter(|l| l.active)
            .filter_map(|l| {
                let g = l.groep.and_then(|id| names.get(&id).map(|n| n.to_string()));
                if groep.is_some_and(|want| !g.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(want))) {
                    return None;
                }
                let naam = [&l.roepnaam, &l.voorvoegsel, &l.achternaam]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(BoomNumber {
                    boom_nummer: l.boom_nummer.clone()?,
                    leerling_id: l.id,
                    naam,
                    groep: g,
                    jaargroep: l.jaargroep.clone(),
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.groep, &a.naam, a.leerling_id).cmp(&(&b.groep, &b.naam, b.leerling_id)));
        Ok(out)
    }

    /// Merges pupil `merged` into pupil `survivor` of `location`: results, enrolments,
    /// composed-group memberships and external keys move to the survivor, which keeps its
    /// Boom number; `merged` is gone. One transaction, audited.
    pub async fn merge_leerlingen(
        &self,
        location: &str,
        survivor: i64,
        merged: i64,
        actor: &str,
    ) -> Result<Merged, GatewayError> {
        let mut tx = self.store.pool().begin().await?;
        for id in [survivor, merged] {
            let at: Option<String> = sqlx::query_scalar("SELECT location FROM leerlingen WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if at.as_deref() != Some(location) {
                return Err(GatewayError::NotFound(format!("{location} has no pupil {id}")));
            }
        }
        let done = pupils::merge(&mut tx, survivor, merged, actor, self.now()).await?;
        tx.commit().await?;
        tracing::info!(location, survivor, merged, results = done.results, "pupils merged");
        Ok(done)
    }
}

/// Boom numbers as CSV, as a spreadsheet or a dashboard's bulk import reads it: a header
/// (`boom_nummer,naam,groep,jaargroep,leerling_id`), fields quoted when they hold a comma, a
/// quote or a line break. `uwlr school numbers --format csv` and the console's download.
pub fn numbers_csv(numbers: &[BoomNumber]) -> String {
    fn field(v: &str) -> String {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    }
    let mut s = String::from("boom_nummer,naam,groep,jaargroep,leerling_id\n");
    for n in numbers {
        let row = [
            field(&n.boom_nummer),
            field(&n.naam),
            field(n.groep.as_deref().unwrap_or("")),
            field(n.jaargroep.as_deref().unwrap_or("")),
            n.leerling_id.to_string(),
        ];
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}
