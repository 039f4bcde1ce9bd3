//! TLS-RPT (RFC 8460) as bytes: the `_smtp._tls` TXT record that asks for reports (§3), the aggregate report's
//! JSON (§4.4), and the message that carries it (§5.3). Pure functions, so every rule is tested without a
//! network; `tls_report` counts sessions and sends.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use facteur_primitives::{rfc3339_utc, rfc5322_date};
use facteur_store::TlsResultCount;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Value, json};

/// Seconds in a (UTC) day: RFC 8460 §4.1 reports cover whole days.
pub const DAY: i64 = 86_400;

/// Where a domain wants its reports (RFC 8460 §3): the `mailto:` addresses of `rua`; `https:` URIs are
/// left out (we send by mail only) and counted in `unsupported`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportDestinations {
    pub mailto: Vec<String>,
    pub unsupported: usize,
}

/// The one `v=TLSRPTv1` record among a name's TXT records (RFC 8460 §3): none, several, or one without a `rua`
/// means no reports.
pub fn tlsrpt_record(txt_records: &[String]) -> Option<ReportDestinations> {
    let candidates: Vec<&String> = txt_records.iter().filter(|record| is_tlsrpt_v1(record)).collect();
    let [only] = candidates.as_slice() else { return None };
    let rua = only.split(';').map(str::trim).find_map(|field| field.strip_prefix("rua="))?;
    let mut destinations = ReportDestinations::default();
    for uri in rua.split(',').map(str::trim).filter(|uri| !uri.is_empty()) {
        match mailto_address(uri) {
            Some(address) => destinations.mailto.push(address),
            None => destinations.unsupported += 1,
        }
    }
    (!destinations.mailto.is_empty() || destinations.unsupported > 0).then_some(destinations)
}

fn is_tlsrpt_v1(record: &str) -> bool {
    let Some(rest) = record.strip_prefix("v=TLSRPTv1") else { return false };
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with(';')
}

/// The address of a `mailto:` URI (RFC 6068) without its query, if it looks like one: `local@domain` with
/// nothing that could break a header or an SMTP command.
fn mailto_address(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("mailto") {
        return None;
    }
    let address = rest.split('?').next()?.trim();
    let (local, domain) = address.rsplit_once('@')?;
    let clean =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_graphic() && !b"<>()[]\\,;:\"%".contains(&b));
    (clean(local) && clean(domain)).then(|| address.to_owned())
}

/// What a report is about: one policy domain, one day.
#[derive(Debug, Clone)]
pub struct ReportScope<'a> {
    /// Our name (`organization-name`, the submitter).
    pub hostname: &'a str,
    /// Who to contact about the report, and its `From:`.
    pub contact: &'a str,
    pub domain: &'a str,
    /// Days since the epoch.
    pub day: i64,
}

impl ReportScope<'_> {
    /// `report-id`: unique per submitter, domain and day.
    pub fn report_id(&self) -> String {
        format!("{}.{}@{}", self.day, self.domain, self.hostname)
    }
}

/// The report of RFC 8460 §4.4 for the counts of one domain and day.
pub fn report_json(scope: &ReportScope<'_>, counts: &[TlsResultCount]) -> Value {
    let start = scope.day.saturating_mul(DAY);
    let mut policies: BTreeMap<(&str, &str), Vec<&TlsResultCount>> = BTreeMap::new();
    for count in counts {
        policies.entry((&count.result.policy_type, &count.result.policy)).or_default().push(count);
    }
    let policies: Vec<Value> =
        policies.into_iter().map(|((kind, text), counts)| policy_json(scope.domain, kind, text, &counts)).collect();
    json!({
        "organization-name": scope.hostname,
        "date-range": {
            "start-datetime": rfc3339_utc(start),
            "end-datetime": rfc3339_utc(start.saturating_add(DAY - 1)),
        },
        "contact-info": scope.contact,
        "report-id": scope.report_id(),
        "policies": policies,
    })
}

fn policy_json(domain: &str, policy_type: &str, text: &str, counts: &[&TlsResultCount]) -> Value {
    let successes: u64 = counts.iter().filter(|c| c.result.result == "success").map(|c| c.count).sum();
    let failures: Vec<&&TlsResultCount> = counts.iter().filter(|c| c.result.result != "success").collect();
    let failure_total: u64 = failures.iter().map(|c| c.count).sum();
    let details: Vec<Value> = failures
        .iter()
        .map(|count| {
            let mut detail = json!({ "result-type": count.result.result, "failed-session-count": count.count });
            if !count.result.mx_host.is_empty() {
                detail["receiving-mx-hostname"] = json!(count.result.mx_host);
            }
            detail
        })
        .collect();
    let mut policy = json!({ "policy-type": policy_type, "policy-domain": domain });
    if !text.is_empty() {
        policy["policy-string"] = json!(text.lines().collect::<Vec<_>>());
    }
    // RFC 8460 §4.4: for MTA-STS, the policy's MX patterns.
    let patterns: Vec<&str> =
        text.lines().filter_map(|line| line.strip_prefix("mx:")).map(str::trim).filter(|p| !p.is_empty()).collect();
    if policy_type == "sts" && !patterns.is_empty() {
        policy["mx-host"] = json!(patterns);
    }
    json!({
        "policy": policy,
        "summary": {
            "total-successful-session-count": successes,
            "total-failure-session-count": failure_total,
        },
        "failure-details": details,
    })
}

/// The report mail of RFC 8460 §5.3: `multipart/report; report-type="tlsrpt"`, a few words, and the JSON
/// gzipped as `application/tlsrpt+gzip` under the file name of §5.1.
pub fn report_message(scope: &ReportScope<'_>, to: &str, json: &Value, now: i64) -> std::io::Result<Vec<u8>> {
    let gzipped = gzip(json.to_string().as_bytes())?;
    let start = scope.day.saturating_mul(DAY);
    let id = scope.report_id();
    let file_name = format!("{}!{}!{}!{}!{}.json.gz", scope.hostname, scope.domain, start, start + DAY - 1, scope.day);
    let date_time = rfc3339_utc(start);
    let date = date_time.split('T').next().unwrap_or_default();
    let text = format!(
        "This is an aggregate TLS report (RFC 8460) from {} for {}, covering {date} (UTC).\r\n",
        scope.hostname, scope.domain
    );
    let attachment = MimePart::new(ContentType::new("application/tlsrpt+gzip"), BodyPart::Binary(Cow::Owned(gzipped)))
        .attachment(file_name);
    let parts = vec![MimePart::new(ContentType::new("text/plain").attribute("charset", "utf-8"), text), attachment];
    let content_type = ContentType::new("multipart/report").attribute("report-type", "tlsrpt");
    let message = MessageBuilder::new()
        .from(Address::new_address(None::<&str>, scope.contact.to_owned()))
        .to(Address::new_address(None::<&str>, to.to_owned()))
        .subject(format!("Report Domain: {} Submitter: {} Report-ID: <{id}>", scope.domain, scope.hostname))
        .header("Date", Raw::new(rfc5322_date(now)))
        // RFC 8460 §5.3: the report's domain and submitter, for filtering.
        .header("TLS-Report-Domain", Raw::new(scope.domain.to_owned()))
        .header("TLS-Report-Submitter", Raw::new(scope.hostname.to_owned()))
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .body(MimePart::new(content_type, BodyPart::Multipart(parts)));
    message.write_to_vec()
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use facteur_store::TlsSessionResult;

    fn records(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| (*text).to_owned()).collect()
    }

    #[test]
    fn the_one_tlsrpt_record_gives_its_mailto_addresses() {
        let found = tlsrpt_record(&records(&[
            "v=spf1 -all",
            "v=TLSRPTv1; rua=mailto:tls@b.test?subject=x,https://reports.b.test/v1",
        ]));
        assert_eq!(found, Some(ReportDestinations { mailto: vec!["tls@b.test".into()], unsupported: 1 }));
        assert_eq!(
            tlsrpt_record(&records(&["v=TLSRPTv1;rua=mailto:a@b.test", "v=TLSRPTv1;rua=mailto:c@b.test"])),
            None
        );
        assert_eq!(tlsrpt_record(&records(&["v=TLSRPTv1;"])), None, "no rua");
        assert_eq!(tlsrpt_record(&records(&["v=TLSRPTv10; rua=mailto:a@b.test"])), None);
        let injected = tlsrpt_record(&records(&["v=TLSRPTv1; rua=mailto:a@b.test>\r\nBcc: x@y"]));
        assert_eq!(injected, Some(ReportDestinations { mailto: vec![], unsupported: 1 }));
    }

    #[test]
    fn the_report_sums_sessions_per_policy_and_details_failures() {
        let count = |result: &str, count| TlsResultCount {
            result: TlsSessionResult {
                domain: "b.test".into(),
                day: 20_000,
                policy_type: "sts".into(),
                policy: "version: STSv1\nmode: enforce\nmx: *.b.test".into(),
                mx_host: "mx.b.test".into(),
                result: result.into(),
            },
            count,
        };
        let scope =
            ReportScope { hostname: "mail.a.test", contact: "postmaster@mail.a.test", domain: "b.test", day: 20_000 };
        let json = report_json(&scope, &[count("success", 3), count("certificate-host-mismatch", 2)]);
        assert_eq!(json["date-range"]["start-datetime"], "2024-10-04T00:00:00Z");
        assert_eq!(json["date-range"]["end-datetime"], "2024-10-04T23:59:59Z");
        let policy = &json["policies"][0];
        assert_eq!(policy["policy"]["policy-string"], json!(["version: STSv1", "mode: enforce", "mx: *.b.test"]));
        assert_eq!(policy["policy"]["mx-host"], json!(["*.b.test"]));
        assert_eq!(policy["summary"]["total-successful-session-count"], 3);
        assert_eq!(policy["summary"]["total-failure-session-count"], 2);
        assert_eq!(policy["failure-details"][0]["result-type"], "certificate-host-mismatch");
        assert_eq!(policy["failure-details"][0]["receiving-mx-hostname"], "mx.b.test");
        let message = report_message(&scope, "tls@b.test", &json, 20_000 * DAY).unwrap();
        use mail_parser::MimeHeaders;
        let parsed = mail_parser::MessageParser::default().parse(&message).unwrap();
        assert_eq!(parsed.content_type().unwrap().attribute("report-type"), Some("tlsrpt"));
        let attachment = parsed.attachment(0).unwrap();
        assert_eq!(attachment.attachment_name(), Some("mail.a.test!b.test!1728000000!1728086399!20000.json.gz"));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(attachment.contents()), &mut text).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), json);
    }
}
