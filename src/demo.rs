//! `uwlr demo`: the link end to end on loopback, with nothing to set up. A mock ParnasSys
//! with a generated school is served over real HTTP; the UWLR client pulls its pupil data
//! (alles-in-een and getrapt), pushes results, re-sends them as a re-norming would, and
//! shows the faults a wrong key and an up-to-date delta get. Every step prints one line.

use crate::client::{Client, ClientConfig, ClientError};
use crate::message::leerlinggegevens::{Antwoord, GroepItem, GroepSelectie, GroepSoort, GroepenVerzoek, Verzoek};
use crate::message::values::{DateTime, SchoolId, Zone};
use crate::message::Autorisatie;
use crate::mock::{Klant, MockLas, Profile, SystemClock};
use crate::server::{bind, serve, ServerConfig};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// Runs the demo, writing its account to `out`.
pub async fn run(out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    let (las, key) = MockLas::demo(Profile::Parnassys, Arc::new(SystemClock));
    let school_id = key.school.clone();
    let server = serve(Arc::new(las.clone()), bind("127.0.0.1:0".parse()?)?, ServerConfig::default()).await?;
    let base = format!("{}/uwlr", server.base_url());
    writeln!(out, "mock ParnasSys serving school {school_id} at {base} (WSDL: {base}/leerlinggegevens?wsdl)")?;

    let klant = Klant::boom();
    let auth = Autorisatie {
        autorisatiesleutel: key.autorisatiesleutel.clone(),
        klantcode: klant.klantcode.clone(),
        klantnaam: klant.klantnaam.clone(),
    };
    let data = las.data(&school_id).await?;
    let verzoek = Verzoek {
        schooljaar: data.school.schooljaar,
        school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
        xsdversie: "2.3".into(),
        gegevenssetid: None,
        laatstontvangengegevens: None,
    };

    let client = Client::new(ClientConfig::new(format!("{base}/leerlinggegevens")))?;
    let t = Instant::now();
    let answer = client.haal_leerlinggegevens(&auth, &verzoek).await?.value;
    let Antwoord::Gegevens(gegevens) = answer else { return Err("the mock sent no data".into()) };
    writeln!(
        out,
        "HaalLeerlinggegevens: {} groups, {} pupils, {} teachers in {} ms",
        gegevens.groepen.len(),
        gegevens.leerlingen.len(),
        gegevens.leerkrachten.len(),
        t.elapsed().as_millis()
    )?;

    if let Antwoord::Gegevens(s) = client.haal_structuur(&auth, &verzoek).await?.value {
        let first = s.groepen.iter().find_map(|g| match g {
            GroepItem::Groep(g) => Some(g.clone()),
            GroepItem::SamengesteldeGroep(_) => None,
        });
        if let Some(g) = first {
            let req = GroepenVerzoek {
                verzoek: verzoek.clone(),
                groepen: vec![GroepSelectie { soort: GroepSoort::Groep, key: Some(g.key.clone()) }],
            };
            let n = match client.haal_leerlingen(&auth, &req).await?.value {
                Antwoord::Gegevens(l) => l.leerlingen.len(),
                _ => 0,
            };
            writeln!(out, "getrapt: {} groups; HaalLeerlingen for group {:?}: {n} pupils", s.groepen.len(), g.naam)?;
        }
    }

    let results_client = Client::new(ClientConfig::new(format!("{base}/leerresultaten")))?;
    let spec = crate::generate::ResultsSpec { per_pupil: 2, max_pupils: Some(25), ..Default::default() };
    let results = crate::generate::results(&gegevens, &spec);
    results_client.breng_leerresultaten(&auth, &results).await?;
    results_client.breng_leerresultaten(&auth, &results).await?;
    let report = las.results(&school_id).await?;
    writeln!(
        out,
        "BrengLeerresultaten twice (a re-norming re-sends the same keys): {} deliveries, {} distinct results",
        report.deliveries, report.distinct
    )?;

    let now = chrono::Utc::now().naive_utc();
    let delta = Verzoek { laatstontvangengegevens: Some(DateTime { local: now, zone: Zone::Utc }), ..verzoek.clone() };
    let answer = client.haal_leerlinggegevens(&auth, &delta).await?.value;
    writeln!(out, "delta since now: {}", if answer == Antwoord::GeenWijzigingen { "geenwijzigingen" } else { "data" })?;

    let wrong = Autorisatie { autorisatiesleutel: "not-the-key".into(), ..auth.clone() };
    match client.haal_leerlinggegevens(&wrong, &verzoek).await {
        Err(ClientError::Fault(f)) => writeln!(out, "wrong key: fault {f}")?,
        other => writeln!(out, "wrong key: unexpected {:?}", other.map(|_| ()))?,
    }
    server.shutdown().await;
    writeln!(out, "done")?;
    Ok(())
}
