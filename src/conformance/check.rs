//! The catalogue: every check the suite runs, in run order, with what it sends, what it
//! expects and where the standard says so. The runner, the report formats and
//! `docs/conformance.md` all follow this one table.

use serde::{Serialize, Serializer};
use std::fmt;

/// The name of a check. Its string form (`fault.wrong-key`) is what reports, `--check`
/// and the docs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    TransportTls,
    WsdlLeerlinggegevens,
    WsdlLeerresultaten,
    DataStrict,
    DataSchool,
    DataProfile,
    DataEckid,
    Version23,
    Version22,
    DeltaFuture,
    DeltaPast,
    FaultMalformedXml,
    FaultHeaderMissing,
    FaultHeaderIncomplete,
    FaultWrongKlantcode,
    FaultWrongKlantnaam,
    FaultWrongKey,
    FaultOtherSchool,
    FaultOtherDependance,
    FaultUnknownSchoolkey,
    FaultMalformedBrin,
    FaultMalformedDependance,
    FaultMalformedSchooljaar,
    FaultMalformedDatetime,
    FaultXsdversie,
    FaultOrder,
    FaultMalformedHeader,
    FaultSoapVersion,
    FaultMustUnderstand,
    GetraptStructuur,
    GetraptLeerlingen,
    GetraptLeerkrachten,
    ResultsRoundtrip,
    ResultsResend,
    ResultsEckid,
    ResultsUnknownPupil,
    TransportContentType,
    TransportSoapaction,
    TransportTiming,
}

impl CheckId {
    /// The dotted name: family, then case.
    pub fn name(self) -> &'static str {
        self.check().name
    }

    /// The catalogue entry.
    pub fn check(self) -> &'static Check {
        CHECKS.iter().find(|c| c.id == self).expect("every CheckId has a catalogue entry")
    }

    /// The family: the part before the dot (`fault`, `data`...).
    pub fn family(self) -> &'static str {
        self.name().split('.').next().unwrap_or("")
    }

    /// The check of that name (`fault.wrong-key`).
    pub fn parse(s: &str) -> Option<CheckId> {
        CHECKS.iter().find(|c| c.name == s).map(|c| c.id)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One check: what a LAS vendor reads to understand a result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    #[serde(skip)]
    pub id: CheckId,
    pub name: &'static str,
    pub title: &'static str,
    /// What the suite sends.
    pub sends: &'static str,
    /// What it expects back.
    pub expects: &'static str,
    /// Where the standard says so (sections of `UWLR.md`).
    pub reference: &'static str,
    /// How to fix a failure, when the outcome has nothing more specific to say.
    pub fix: &'static str,
    /// Checks whose failure makes this one meaningless: it is then skipped, not failed,
    /// so that one defect fails one check.
    #[serde(skip)]
    pub needs: &'static [CheckId],
}

use CheckId::*;

/// Every check, in the order the runner runs them. TLS comes first: when no handshake
/// succeeds, nothing else can be judged, and the rest is skipped.
pub static CHECKS: &[Check] = &[
    Check {
        id: TransportTls,
        name: "transport.tls",
        title: "TLS version and certificate chain",
        sends:
            "TLS handshakes (1.2 only, 1.3 only, either), then GET ?wsdl through the platform's trust store plus --ca",
        expects: "HTTPS with TLS 1.2 or 1.3; a certificate chain for the host name that the platform (plus --ca) \
                  trusts, not expiring within 30 days; a demanded client certificate accepted",
        reference: "UWLR.md §1, §6 (ESIS demands a client certificate)",
        fix: "Serve HTTPS with TLS 1.2 or 1.3 and the whole chain (leaf and intermediates) of a certificate for the \
              host name from a CA the test platforms trust",
        needs: &[],
    },
    Check {
        id: WsdlLeerlinggegevens,
        name: "wsdl.leerlinggegevens",
        title: "WSDL of the pupil-data service",
        sends: "GET <endpoint>?wsdl, then GET every schemaLocation the WSDL imports",
        expects: "HTTP 200 and a WSDL 1.1 document with a SOAP 1.1 binding of HaalLeerlinggegevens: SOAPAction \
                  `HaalLeerlinggegevens`, input `leerlinggegevens_verzoek` with the `autorisatie` header, output \
                  `leerlinggegevens_antwoord`; the getrapt operations, if offered, with their full-URI SOAPActions; \
                  the imported schemas reachable",
        reference: "UWLR.md §1",
        fix: "Publish the WSDL at ?wsdl with the operation names, SOAPActions and elements of UWLR 2.2/2.3 (unchanged \
              in 2.3): test platforms generate their clients from it",
        needs: &[],
    },
    Check {
        id: WsdlLeerresultaten,
        name: "wsdl.leerresultaten",
        title: "WSDL of the results service (--results-endpoint)",
        sends: "GET <results-endpoint>?wsdl, then GET every schemaLocation it imports",
        expects: "a SOAP 1.1 binding of BrengLeerresultaten: SOAPAction `BrengLeerresultaten`, input \
                  `leerresultaten_verzoek` with the `autorisatie` header, output `leerresultaten_bevestiging`",
        reference: "UWLR.md §1",
        fix: "Publish the results WSDL at ?wsdl of the results endpoint, with the names of UWLR.md §1",
        needs: &[],
    },
    Check {
        id: DataStrict,
        name: "data.strict",
        title: "HaalLeerlinggegevens answer is schema-valid",
        sends: "leerlinggegevens_verzoek for the school and schooljaar, xsdversie 2.3 (2.2 when 2.3 is refused), with \
                a valid header and no laatstontvangengegevens",
        expects:
            "HTTP 200 and leerlinggegevens_antwoord/leerlinggegevens that decodes in strict mode (order, required \
                  elements, facets, unique keys, references that resolve); what only lenient mode accepts is a \
                  warning, each deviation with its line:column",
        reference: "UWLR.md §3",
        fix: "Emit the answer exactly as the XSD says: element order, required elements, facets, unique keys, \
              references to declared groups",
        needs: &[],
    },
    Check {
        id: DataSchool,
        name: "data.school",
        title: "The answer is about the requested school and year",
        sends: "nothing: judges the data.strict answer",
        expects: "school/schooljaar as asked; school/brincode + dependancecode (00 = absent) or school/schoolkey \
                  naming the requested location",
        reference: "UWLR.md §2 (a key opens only the schools it was issued for), §3",
        fix: "Answer with the data of the location asked for, and name it in the school block",
        needs: &[DataStrict],
    },
    Check {
        id: DataProfile,
        name: "data.profile",
        title: "The answer fits the data-minimisation profile (--profiel)",
        sends: "nothing: judges the data.strict answer",
        expects: "no element the profile (Smalle set or LVS-set, 2.3 form) does not name; the profile's required \
                  elements present",
        reference: "UWLR.md §3 (profiles), §5",
        fix: "Send only what the agreed profile names (\"not named = forbidden\")",
        needs: &[DataStrict],
    },
    Check {
        id: DataEckid,
        name: "data.eckid",
        title: "ECK iDs have the ECK iD form",
        sends: "nothing: judges the data.strict answer",
        expects: "every @eckid of a leerling or leerkracht starts with https://ketenid.nl/ (a warning otherwise)",
        reference: "UWLR.md §5, §6",
        fix: "Send the ECK iD exactly as the Nummervoorziening issued it (https://ketenid.nl/<realm>/<hex>)",
        needs: &[DataStrict],
    },
    Check {
        id: Version23,
        name: "version.2.3",
        title: "xsdversie 2.3 is answered",
        sends: "leerlinggegevens_verzoek with xsdversie 2.3",
        expects: "data; a LAS that serves 2.2 only answers Client.XsdVersieOngeldig, and then this check and the \
                  2.3-only checks do not apply",
        reference: "UWLR.md §5",
        fix: "Answer xsdversie 2.3 (same namespaces and names; ECK iD primary, LAS key optional)",
        needs: &[],
    },
    Check {
        id: Version22,
        name: "version.2.2",
        title: "xsdversie 2.2 is answered, in the 2.2 shape",
        sends: "leerlinggegevens_verzoek with xsdversie 2.2",
        expects: "data in which every leerling has its LAS key (@key is required in 2.2); the same pupils as the 2.3 \
                  answer except those known by ECK iD only",
        reference: "UWLR.md §5 (2.2.1 stays valid for VO/MBO; servers switch on xsdversie)",
        fix: "Keep answering xsdversie 2.2, in the 2.2 shape: leave out pupils without a LAS key",
        needs: &[],
    },
    Check {
        id: DeltaFuture,
        name: "delta.future",
        title: "laatstontvangengegevens in the future gives geenwijzigingen",
        sends: "leerlinggegevens_verzoek with laatstontvangengegevens one day after now, once with Z and once \
                without a zone",
        expects: "leerlinggegevens_antwoord/geenwijzigingen both times",
        reference: "UWLR.md §2 (\"no changes since laatstontvangengegevens -> geenwijzigingen\"), §3",
        fix: "Compare laatstontvangengegevens with the moment of the school's last change and answer \
              geenwijzigingen when nothing changed since; read a timestamp without zone as local time",
        needs: &[],
    },
    Check {
        id: DeltaPast,
        name: "delta.past",
        title: "laatstontvangengegevens long ago gives data",
        sends: "leerlinggegevens_verzoek with laatstontvangengegevens 2000-01-01T00:00:00Z",
        expects: "leerlinggegevens (the school changed since 2000)",
        reference: "UWLR.md §3 item 5",
        fix:
            "Send the changes (or everything) since laatstontvangengegevens; geenwijzigingen only when nothing changed",
        needs: &[],
    },
    Check {
        id: FaultMalformedXml,
        name: "fault.malformed-xml",
        title: "XML that is not well-formed: Client.OngeldigBericht",
        sends: "the normal request with a mismatched end tag (</schooljaar_>)",
        expects: "SOAP fault Client.OngeldigBericht with HTTP 500",
        reference: "UWLR.md §2 step 1",
        fix: "Answer unparsable XML with a SOAP fault Client.OngeldigBericht (not an HTML error page or a bare 400)",
        needs: &[],
    },
    Check {
        id: FaultHeaderMissing,
        name: "fault.header-missing",
        title: "No autorisatie header: Client.AutorisatieOngeldig",
        sends: "the normal request without soap:Header",
        expects: "SOAP fault Client.AutorisatieOngeldig",
        reference: "UWLR.md §2 step 0",
        fix: "Check the autorisatie header before anything else and answer its absence with Client.AutorisatieOngeldig",
        needs: &[],
    },
    Check {
        id: FaultHeaderIncomplete,
        name: "fault.header-incomplete",
        title: "Incomplete autorisatie header: Client.AutorisatieOngeldig",
        sends: "the normal request with <klantnaam> left out of the header, and with an empty <autorisatiesleutel>",
        expects: "SOAP fault Client.AutorisatieOngeldig both times",
        reference: "UWLR.md §2 step 0 (all three children required, 1..64 characters)",
        fix: "Answer a header with a missing or empty child with Client.AutorisatieOngeldig, before judging the body",
        needs: &[],
    },
    Check {
        id: FaultWrongKlantcode,
        name: "fault.wrong-klantcode",
        title: "Unknown klantcode: Client.OngeldigeKlantIdentificatie",
        sends: "the normal request with klantcode UWLRCONF-ONBEKEND (klantnaam and key as given)",
        expects: "SOAP fault Client.OngeldigeKlantIdentificatie",
        reference: "UWLR.md §2 step 2",
        fix: "Check klantcode and klantnaam as a pair before the key; answer Client.OngeldigeKlantIdentificatie",
        needs: &[],
    },
    Check {
        id: FaultWrongKlantnaam,
        name: "fault.wrong-klantnaam",
        title: "Unknown klantnaam: Client.OngeldigeKlantIdentificatie",
        sends: "the normal request with klantnaam \"UWLR conformance onbekend\" (klantcode and key as given)",
        expects: "SOAP fault Client.OngeldigeKlantIdentificatie",
        reference: "UWLR.md §2 step 2 (klantnaam and klantcode must be a pair)",
        fix: "Check klantnaam too, not only klantcode: they identify the calling system as a pair",
        needs: &[],
    },
    Check {
        id: FaultWrongKey,
        name: "fault.wrong-key",
        title: "Wrong key: Client.AutorisatieOngeldig",
        sends: "the normal request with autorisatiesleutel uwlr-conformance-onbekende-sleutel",
        expects: "SOAP fault Client.AutorisatieOngeldig, and no pupil data",
        reference: "UWLR.md §2 step 3",
        fix: "Answer an unknown key with Client.AutorisatieOngeldig, in the same words as a key for another school",
        needs: &[],
    },
    Check {
        id: FaultOtherSchool,
        name: "fault.other-school",
        title: "A school the key does not open (--other-brin): Client.AutorisatieOngeldig",
        sends: "the normal request for the school of --other-brin (a school the LAS serves, this key not)",
        expects: "SOAP fault Client.AutorisatieOngeldig, and never that school's data",
        reference: "UWLR.md §2 step 3 (a key is valid only for the schools it was issued for)",
        fix: "Tie each key to the school locations it was issued for and refuse every other location",
        needs: &[],
    },
    Check {
        id: FaultOtherDependance,
        name: "fault.other-dependance",
        title: "Another dependance of the same BRIN: Client.AutorisatieOngeldig",
        sends: "the normal request with another dependancecode (01, or 02 when the school's is 01)",
        expects: "SOAP fault Client.AutorisatieOngeldig",
        reference: "UWLR.md §2 step 3 (a key opens BRIN + dependance, not the whole BRIN)",
        fix: "Scope keys to BRIN + dependancecode (00 = absent), not to the BRIN alone",
        needs: &[],
    },
    Check {
        id: FaultUnknownSchoolkey,
        name: "fault.unknown-schoolkey",
        title: "A schoolkey the key does not open: Client.AutorisatieOngeldig",
        sends: "the normal request with schoolkey uwlr-conformance-onbekende-school instead of the school",
        expects: "SOAP fault Client.AutorisatieOngeldig",
        reference: "UWLR.md §2 step 3",
        fix: "Judge a schoolkey like a BRIN: a key opens only the schoolkeys it was issued for",
        needs: &[],
    },
    Check {
        id: FaultMalformedBrin,
        name: "fault.malformed-brin",
        title: "Malformed brincode: Client.OngeldigBericht",
        sends: "the normal request with brincode 9DE (a BRIN is two digits and two capitals)",
        expects: "SOAP fault Client.OngeldigBericht",
        reference: "UWLR.md §2 step 1, §3 (pattern of brincode)",
        fix: "Validate the request against the schema first and answer a malformed field with Client.OngeldigBericht \
              (not with an unknown-school or key fault)",
        needs: &[],
    },
    Check {
        id: FaultMalformedDependance,
        name: "fault.malformed-dependance",
        title: "Malformed dependancecode: Client.OngeldigBericht",
        sends: "the normal request with dependancecode 0A (two digits expected)",
        expects: "SOAP fault Client.OngeldigBericht",
        reference: "UWLR.md §2 step 1, §3",
        fix: "Validate dependancecode (two digits) and answer Client.OngeldigBericht",
        needs: &[],
    },
    Check {
        id: FaultMalformedSchooljaar,
        name: "fault.malformed-schooljaar",
        title: "Malformed schooljaar: Client.OngeldigBericht",
        sends: "the normal request with schooljaar 2025/2026",
        expects: "SOAP fault Client.OngeldigBericht",
        reference: "UWLR.md §2 step 1, §3 (pattern [1-2]\\d{3}-[1-2]\\d{3})",
        fix: "Validate schooljaar against its pattern and answer Client.OngeldigBericht",
        needs: &[],
    },
    Check {
        id: FaultMalformedDatetime,
        name: "fault.malformed-datetime",
        title: "Malformed laatstontvangengegevens: Client.OngeldigBericht",
        sends: "the normal request with laatstontvangengegevens 2025-13-45T25:61:00",
        expects: "SOAP fault Client.OngeldigBericht (not everything, not geenwijzigingen)",
        reference: "UWLR.md §2 step 1, §3 item 5 (xs:dateTime)",
        fix: "Parse laatstontvangengegevens as xs:dateTime and answer a malformed one with Client.OngeldigBericht",
        needs: &[],
    },
    Check {
        id: FaultXsdversie,
        name: "fault.xsdversie",
        title: "Unsupported xsdversie: Client.XsdVersieOngeldig",
        sends: "the normal request with xsdversie 9.9",
        expects: "SOAP fault Client.XsdVersieOngeldig",
        reference: "UWLR.md §2 step 1 (xsdversie has its own code)",
        fix: "Answer an xsdversie you do not serve with Client.XsdVersieOngeldig (not OngeldigBericht)",
        needs: &[],
    },
    Check {
        id: FaultOrder,
        name: "fault.order",
        title: "Faults come in the check order",
        sends: "four requests with two defects each: no header + malformed brincode; malformed brincode + unknown \
                klantcode; xsdversie 9.9 + wrong key; unknown klantcode + wrong key",
        expects: "Client.AutorisatieOngeldig, Client.OngeldigBericht, Client.XsdVersieOngeldig, \
                  Client.OngeldigeKlantIdentificatie: header, then body, then klant, then key",
        reference: "UWLR.md §2 (check order: 0 header, 1 body, 2 klant, 3 key, 4 school data, 5 answer)",
        fix: "Run the checks in the order of UWLR.md §2 and answer the first that fails",
        needs: &[FaultHeaderMissing, FaultMalformedBrin, FaultWrongKlantcode, FaultXsdversie, FaultWrongKey],
    },
    Check {
        id: FaultMalformedHeader,
        name: "fault.malformed-header",
        title: "Not well-formed inside the header: Client.OngeldigBericht",
        sends: "the normal request cut off inside the autorisatie header (before the key), and the normal request \
                with a mismatched end tag in the header (</klantcode_>)",
        expects: "SOAP fault Client.OngeldigBericht for both, not Client.AutorisatieOngeldig",
        reference: "UWLR.md §2 step 1 (a message that is not well-formed is OngeldigBericht, whatever part breaks)",
        fix: "Parse the whole document before judging the header: XML that is not well-formed is \
              Client.OngeldigBericht even when it breaks inside soap:Header",
        needs: &[FaultMalformedXml],
    },
    Check {
        id: FaultSoapVersion,
        name: "fault.soap-version",
        title: "A SOAP 1.2 envelope: VersionMismatch",
        sends: "the normal request in a SOAP 1.2 envelope (namespace http://www.w3.org/2003/05/soap-envelope)",
        expects: "SOAP 1.1 fault soap:VersionMismatch with HTTP 500",
        reference: "UWLR.md §1 (SOAP 1.1); SOAP 1.1 §4.4.1",
        fix: "Answer an envelope in another namespace than http://schemas.xmlsoap.org/soap/envelope/ with the SOAP \
              1.1 fault VersionMismatch",
        needs: &[],
    },
    Check {
        id: FaultMustUnderstand,
        name: "fault.must-understand",
        title: "An unknown header block that must be understood: MustUnderstand",
        sends:
            "the normal request with an extra header block <uwlrconf:Onbekend xmlns:uwlrconf=\"urn:uwlr-conformance\" \
                soap:mustUnderstand=\"1\"/>",
        expects: "SOAP 1.1 fault soap:MustUnderstand with HTTP 500",
        reference: "UWLR.md §1 (SOAP 1.1); SOAP 1.1 §4.2.3",
        fix: "Refuse a header block you do not process that carries soap:mustUnderstand=\"1\" (and no other actor) \
              with the SOAP 1.1 fault MustUnderstand; ignore it only when mustUnderstand is absent or 0",
        needs: &[FaultWrongKey],
    },
    Check {
        id: GetraptStructuur,
        name: "getrapt.structuur",
        title: "HaalStructuur agrees with alles-in-een",
        sends: "structuur_verzoek (to --getrapt-endpoint, else the WSDL's address for it, else the endpoint), when the WSDL offers HaalStructuur",
        expects:
            "a schema-valid structuur_antwoord with the school, vestigingen and groepen of the alles-in-een answer",
        reference: "UWLR.md §1, §3",
        fix: "Serve the getrapt answers from the same data as alles-in-een",
        needs: &[DataStrict],
    },
    Check {
        id: GetraptLeerlingen,
        name: "getrapt.leerlingen",
        title: "HaalLeerlingen agrees with alles-in-een",
        sends: "leerlingen_verzoek for every group plus the keyless <groep/> (pupils in no groep); then for one \
                class group",
        expects: "every pupil of the alles-in-een answer, unchanged; then exactly the pupils of that group",
        reference: "UWLR.md §3 (a selection without key asks for everyone not in a group)",
        fix: "Select pupils by the groups asked for, including the keyless selection, from the alles-in-een data",
        needs: &[DataStrict],
    },
    Check {
        id: GetraptLeerkrachten,
        name: "getrapt.leerkrachten",
        title: "HaalLeerkrachten agrees with alles-in-een",
        sends: "leerkrachten_verzoek for every group plus the keyless <groep/>",
        expects: "every teacher of the alles-in-een answer, unchanged",
        reference: "UWLR.md §3",
        fix: "Select teachers by the groups asked for, from the alles-in-een data",
        needs: &[DataStrict],
    },
    Check {
        id: ResultsRoundtrip,
        name: "results.roundtrip",
        title: "BrengLeerresultaten for the test pupil is accepted (--test-pupil)",
        sends: "leerresultaten_verzoek to the results endpoint: the test pupil (LAS key, and ECK iD if any) with two \
                results of one declared test, an OSO result and a raw score, keys uwlr-conformance-...",
        expects: "HTTP 200 and an empty leerresultaten_bevestiging",
        reference: "UWLR.md §4",
        fix: "Accept a schema-valid results message whole and answer the empty leerresultaten_bevestiging",
        needs: &[DataStrict],
    },
    Check {
        id: ResultsResend,
        name: "results.resend",
        title: "A re-send with the same keys is accepted",
        sends: "the results.roundtrip message again, same resultaat keys, raw score one higher",
        expects: "leerresultaten_bevestiging (the LAS overwrites the result: re-norming)",
        reference: "UWLR.md §4 (corrections are re-sends with the same resultaat/@key)",
        fix: "Identify a result by (pupil, resultaat/@key) and overwrite it on a re-send; never refuse it as a \
              duplicate",
        needs: &[ResultsRoundtrip],
    },
    Check {
        id: ResultsEckid,
        name: "results.eckid",
        title: "Results naming the pupil by ECK iD only are accepted (2.3)",
        sends: "the results.roundtrip message with the test pupil's ECK iD and no leerlingid",
        expects: "leerresultaten_bevestiging",
        reference: "UWLR.md §5 (2.3: ECK iD primary, leerlingid optional when eckid is given)",
        fix: "Match results by eckid first, LAS key second",
        needs: &[ResultsRoundtrip],
    },
    Check {
        id: ResultsUnknownPupil,
        name: "results.unknown-pupil",
        title: "Results for an unknown pupil: Client.LeerlingOngeldig",
        sends: "leerresultaten_verzoek for leerlingid UWLR-CONFORMANCE-ONBEKEND (no ECK iD)",
        expects: "SOAP fault Client.LeerlingOngeldig",
        reference: "UWLR.md §2 (fault table), §4 (accepted whole or refused with one fault)",
        fix: "Refuse a results message naming a pupil the school does not have with Client.LeerlingOngeldig",
        needs: &[],
    },
    Check {
        id: TransportContentType,
        name: "transport.content-type",
        title: "Content type and charset",
        sends: "the normal request, and the wrong-key request",
        expects: "Content-Type text/xml; charset=utf-8 on the answer and on the fault; an XML declaration, if any, \
                  saying UTF-8",
        reference: "UWLR.md §1 (SOAP 1.1 over HTTP, UTF-8 everywhere)",
        fix: "Answer with Content-Type: text/xml; charset=utf-8 (application/soap+xml is SOAP 1.2)",
        needs: &[],
    },
    Check {
        id: TransportSoapaction,
        name: "transport.soapaction",
        title: "SOAPAction as real clients send it",
        sends: "the normal request with SOAPAction HaalLeerlinggegevens unquoted, and with no SOAPAction header",
        expects: "data both times (a warning otherwise)",
        reference: "UWLR.md §1 (real clients send SOAPAction unquoted; dispatch on the body element)",
        fix: "Accept quoted, unquoted and absent SOAPAction; dispatch on the body element",
        needs: &[],
    },
    Check {
        id: TransportTiming,
        name: "transport.timing",
        title: "Answer times",
        sends: "the normal request --timing-calls times (default 5), one after another",
        expects: "p99 (the slowest, for few calls) under --max-p99-ms (default 60000); p50 under --slow-p50-ms \
                  (default 10000, a warning above)",
        reference: "UWLR.md §1; docs/transport.md (clients give up after 120 s)",
        fix: "Build the answer faster (or cache it): test platforms fetch many schools in a night",
        needs: &[],
    },
];
