//! Throw-away certificates for trying the UKEY listener locally and for tests.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// A CA with one server and one client certificate, all PEM.
pub struct DevCerts {
    pub ca_pem: String,
    pub server_pem: String,
    pub server_key: String,
    pub client_pem: String,
    pub client_key: String,
    pub client_fingerprint: String,
    ca: (rcgen::Certificate, KeyPair),
}

impl DevCerts {
    pub fn generate(client_cn: &str) -> anyhow::Result<Self> {
        let now = OffsetDateTime::now_utc();
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "zhicheng dev CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.not_before = now - Duration::days(1);
        ca_params.not_after = now + Duration::days(3650);
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca_params.self_signed(&ca_key)?;

        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.not_before = now - Duration::days(1);
        server_params.not_after = now + Duration::days(825);
        let server_key = KeyPair::generate()?;
        let server_cert = server_params.signed_by(&server_key, &ca_cert, &ca_key)?;

        let mut set = DevCerts {
            ca_pem: ca_cert.pem(),
            server_pem: server_cert.pem(),
            server_key: server_key.serialize_pem(),
            client_pem: String::new(),
            client_key: String::new(),
            client_fingerprint: String::new(),
            ca: (ca_cert, ca_key),
        };
        let (pem, key, fp) = set.client(
            client_cn,
            now - Duration::days(1),
            now + Duration::days(365),
        )?;
        set.client_pem = pem;
        set.client_key = key;
        set.client_fingerprint = fp;
        Ok(set)
    }

    /// Another client certificate from the same CA, valid in the given window: (PEM, key PEM, SHA-256).
    pub fn client(
        &self,
        cn: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> anyhow::Result<(String, String, String)> {
        self.client_with_serial(cn, not_before, not_after, None)
    }

    fn client_with_serial(
        &self,
        cn: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        serial: Option<SerialNumber>,
    ) -> anyhow::Result<(String, String, String)> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.serial_number = serial;
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.ca.0, &self.ca.1)?;
        Ok((
            cert.pem(),
            key.serialize_pem(),
            crate::infra::crypto::fingerprint(cert.der()),
        ))
    }

    /// A CRL of this CA revoking the given serial numbers (PEM); empty revokes nothing.
    pub fn crl(&self, revoked: &[u64]) -> anyhow::Result<String> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(30),
            crl_number: SerialNumber::from(now.unix_timestamp() as u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: now - Duration::minutes(1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.ca.0, &self.ca.1)?.pem()?)
    }

    /// A client certificate with a chosen serial number, valid for a year, to revoke in tests:
    /// (PEM, key PEM, SHA-256).
    pub fn client_numbered(
        &self,
        cn: &str,
        serial: u64,
    ) -> anyhow::Result<(String, String, String)> {
        let now = OffsetDateTime::now_utc();
        self.client_with_serial(
            cn,
            now - Duration::days(1),
            now + Duration::days(365),
            Some(SerialNumber::from(serial)),
        )
    }
}
