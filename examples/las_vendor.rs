//! A LAS vendor hosting UWLR with its own data: implement `LasProvider` over whatever
//! holds the pupils (here a `Vec`), hand it to `serve`, done. The server does SOAP, the
//! check order, faults and limits. Its requests are counted into a `Metrics` (by operation
//! and fault code, with latency), which the vendor serves wherever its own monitoring is
//! protected: `metrics.render()` is the Prometheus text (docs/operations.md).
//!
//! `cargo run --example las_vendor` serves on 127.0.0.1 (a free port) until Ctrl-C;
//! `--once` prints the URL and exits after startup (for CI).

use std::sync::Arc;
use subtle::ConstantTimeEq;
use uwlr::message::fault::Fault;
use uwlr::message::leerlinggegevens::{
    Antwoord, Leerling, Leerlinggegevens, LeerlinggegevensAntwoord, Naam, School, SchoolIdentificatie, Verzoek,
};
use uwlr::message::leerresultaten::LeerresultatenVerzoek;
use uwlr::message::values::{Jaargroep, SchoolId};
use uwlr::message::Autorisatie;
use uwlr::server::{serve, LasProvider, ServerConfig};

/// The vendor's own record of a pupil.
struct Pupil {
    id: u32,
    roepnaam: &'static str,
    achternaam: &'static str,
    groep: u8,
}

/// A minimal LAS: one school, one klant, one key, a list of pupils.
struct VendorLas {
    brin: &'static str,
    key: String,
    pupils: Vec<Pupil>,
}

impl LasProvider for VendorLas {
    async fn klant(&self, klantcode: &str, klantnaam: &str) -> bool {
        klantcode == "BOOM" && klantnaam == "Boom testcentrum"
    }

    async fn autoriseer(&self, auth: &Autorisatie, school: &SchoolId) -> bool {
        let right_school = matches!(school, SchoolId::Brin { brincode, .. } if brincode == self.brin)
            && school.dependance_or_default() == Some("00");
        // Constant time: the answer's timing must not reveal how much of a key was right.
        right_school && bool::from(auth.autorisatiesleutel.as_bytes().ct_eq(self.key.as_bytes()))
    }

    async fn leerlinggegevens(&self, req: &Verzoek) -> Result<LeerlinggegevensAntwoord, Fault> {
        if self.pupils.is_empty() {
            return Ok(Antwoord::GeenGegevens);
        }
        let leerlingen = self
            .pupils
            .iter()
            .map(|p| Leerling {
                key: Some(p.id.to_string()),
                naam: Naam {
                    achternaam: Some(p.achternaam.into()),
                    roepnaam: Some(p.roepnaam.into()),
                    ..Default::default()
                },
                jaargroep: Jaargroep::parse(&p.groep.to_string()).ok(),
                ..Default::default()
            })
            .collect();
        Ok(Antwoord::Gegevens(Leerlinggegevens {
            school: School {
                schooljaar: req.schooljaar,
                id: SchoolIdentificatie::Brin {
                    brincode: self.brin.into(),
                    dependancecode: Some("00".into()),
                    schoolkey: None,
                },
                xsdversie: Some("2.3".into()),
                ..Default::default()
            },
            leerlingen,
            ..Default::default()
        }))
    }

    async fn leerresultaten(&self, _auth: &Autorisatie, req: &LeerresultatenVerzoek) -> Result<(), Fault> {
        println!("received results for {} pupils", req.toetsafnames.len());
        Ok(())
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let once = std::env::args().any(|a| a == "--once");
    let las = VendorLas {
        brin: "99DE",
        key: "vendor-demo-key".into(),
        pupils: vec![
            Pupil { id: 1001, roepnaam: "Sanne", achternaam: "Bakker", groep: 4 },
            Pupil { id: 1002, roepnaam: "Daan", achternaam: "Visser", groep: 6 },
        ],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let metrics = uwlr::metrics::Metrics::new();
    let config = ServerConfig { metrics: Some(metrics.clone()), ..Default::default() };
    let server = serve(Arc::new(las), listener, config).await?;
    println!("UWLR endpoint: {}/uwlr", server.base_url());
    println!("klantcode BOOM, klantnaam Boom testcentrum, autorisatiesleutel vendor-demo-key, school 99DE00");
    if !once {
        let _ = tokio::signal::ctrl_c().await;
    }
    server.shutdown().await;
    // Here for the example; a vendor answers its monitoring's scrape with it
    // (content type `uwlr::metrics::CONTENT_TYPE`).
    let text = metrics.render();
    println!("metrics: {} lines of Prometheus text", text.lines().count());
    Ok(())
}
