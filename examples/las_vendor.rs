//! A LAS vendor hosting UWLR with its own data: implement `LasProvider` over whatever
//! holds the pupils (here a `Vec`), hand it to `serve`, done. The server does SOAP, the
//! check order, faults and limits. Its requests are counted into a `Metrics` (by operation
//! and fault code, with latency), which the vendor serves wherever its own monitoring is
//! protected: `metrics.render()` is the Prometheus text (docs/operations.md).
//!
//! `cargo run --example las_vendor` serves on 127.0.0.1 (a free port) until Ctrl-C;
//! `--once` prints the URL and exits after startup. It needs none of the crate's features:
//! `cargo test --no-default-features --example las_vendor` runs its test (a real client
//! over loopback) without compiling the gateway, the mocks or the CLI (docs/transport.md).

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

fn vendor_las() -> VendorLas {
    VendorLas {
        brin: "99DE",
        key: "vendor-demo-key".into(),
        pupils: vec![
            Pupil { id: 1001, roepnaam: "Sanne", achternaam: "Bakker", groep: 4 },
            Pupil { id: 1002, roepnaam: "Daan", achternaam: "Visser", groep: 6 },
        ],
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let once = std::env::args().any(|a| a == "--once");
    let las = vendor_las();
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

#[cfg(test)]
mod tests {
    use super::*;
    use uwlr::client::{Client, ClientConfig, ClientError, RetryPolicy};
    use uwlr::message::fault::FaultCode;
    use uwlr::message::values::Schooljaar;

    /// The vendor's server answers a real client over loopback (pupils, and the fault for a
    /// wrong key) and counts both requests into its metrics.
    #[tokio::test]
    async fn answers_a_client_and_counts_its_requests() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics = uwlr::metrics::Metrics::new();
        let config = ServerConfig { metrics: Some(metrics.clone()), ..Default::default() };
        let server = serve(Arc::new(vendor_las()), listener, config).await.unwrap();
        let client = Client::new(ClientConfig {
            retry: RetryPolicy::none(),
            ..ClientConfig::new(format!("{}/uwlr", server.base_url()))
        })
        .unwrap();
        let auth = Autorisatie {
            autorisatiesleutel: "vendor-demo-key".into(),
            klantcode: "BOOM".into(),
            klantnaam: "Boom testcentrum".into(),
        };
        let verzoek = Verzoek {
            schooljaar: Schooljaar::new(2025).unwrap(),
            school: SchoolId::Brin { brincode: "99DE".into(), dependancecode: Some("00".into()) },
            xsdversie: "2.3".into(),
            gegevenssetid: None,
            laatstontvangengegevens: None,
        };

        let answer = client.haal_leerlinggegevens(&auth, &verzoek).await.unwrap();
        let Antwoord::Gegevens(data) = answer.value else { panic!("expected pupils, got {:?}", answer.value) };
        let names: Vec<_> = data.leerlingen.iter().map(|l| l.naam.roepnaam.as_deref().unwrap_or("")).collect();
        assert_eq!(names, ["Sanne", "Daan"]);

        let wrong = Autorisatie { autorisatiesleutel: "vendor-demo-kex".into(), ..auth };
        match client.haal_leerlinggegevens(&wrong, &verzoek).await {
            Err(ClientError::Fault(f)) => assert_eq!(f.code, Some(FaultCode::AutorisatieOngeldig), "{f:?}"),
            other => panic!("expected the UWLR fault for a wrong key, got {other:?}"),
        }

        server.shutdown().await;
        let text = metrics.render();
        for line in [
            r#"uwlr_server_requests_total{operation="leerlinggegevens",fault="none"} 1"#,
            r#"uwlr_server_requests_total{operation="leerlinggegevens",fault="Client.AutorisatieOngeldig"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }
}
