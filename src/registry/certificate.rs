//! A service principal's certificate (`az login --service-principal --certificate file.pem`):
//! the PEM file az names in `service_principal_entries.json`, holding the private key and the
//! certificate, and the signed JWT client assertion MSAL makes from it (RFC 7523): RS256, header
//! `x5t` = the certificate's SHA-1 thumbprint (and `x5c` = the chain when az stored
//! `use_cert_sn_issuer`), claims `aud` = the token endpoint, `iss` = `sub` = the client id.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

/// How long the assertion is valid (MSAL's default).
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// The key and certificates of a PEM file az's `--certificate` accepts.
pub struct Certificate {
    key: RsaKeyPair,
    /// DER of every `CERTIFICATE` block, the signing certificate first.
    chain: Vec<Vec<u8>>,
}

impl Certificate {
    /// Reads the file az stored the path of; `Err`: az's "Invalid certificate" message, or
    /// Python's for a file that cannot be opened.
    pub fn read(path: &str) -> Result<Certificate, String> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("[Errno 2] No such file or directory: '{path}'"),
            std::io::ErrorKind::PermissionDenied => format!("[Errno 13] Permission denied: '{path}'"),
            _ => invalid(&e.to_string()),
        })?;
        Certificate::from_pem(&text)
    }

    pub fn from_pem(text: &str) -> Result<Certificate, String> {
        let mut key = None;
        let mut chain = Vec::new();
        for (label, der) in pem_blocks(text)? {
            match label.as_str() {
                "CERTIFICATE" => chain.push(der),
                "PRIVATE KEY" if key.is_none() => {
                    key = Some(
                        RsaKeyPair::from_pkcs8(&der).map_err(|e| invalid(&format!("private key: {e}")))?,
                    )
                }
                "RSA PRIVATE KEY" if key.is_none() => {
                    key = Some(RsaKeyPair::from_der(&der).map_err(|e| invalid(&format!("private key: {e}")))?)
                }
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(invalid("the private key is encrypted; az needs it unencrypted"));
                }
                "EC PRIVATE KEY" => {
                    return Err(invalid(
                        "an EC private key; az signs its assertion with RS256, which needs RSA",
                    ));
                }
                _ => {}
            }
        }
        if chain.is_empty() {
            // What az's OpenSSL says when it finds no certificate.
            return Err(invalid("[('PEM routines', '', 'no start line')]"));
        }
        let key = key.ok_or_else(|| invalid("no private key in the file"))?;
        Ok(Certificate { key, chain })
    }

    /// The SHA-1 thumbprint of the signing certificate (what Entra ID knows it by).
    pub fn thumbprint(&self) -> [u8; 20] {
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.chain[0]);
        digest.as_ref().try_into().expect("SHA-1 is 20 bytes")
    }

    /// A signed client assertion for `client_id` at `token_endpoint`, valid from `now` (Unix
    /// seconds) for ten minutes; with the certificate chain (`x5c`) when `send_chain`.
    pub fn assertion(&self, client_id: &str, token_endpoint: &str, now: u64, send_chain: bool) -> String {
        // The header as PyJWT writes it: keys sorted; x5t base64url with its padding, as MSAL
        // encodes the thumbprint.
        let mut header = serde_json::Map::new();
        header.insert("alg".into(), "RS256".into());
        header.insert("typ".into(), "JWT".into());
        if send_chain {
            header.insert("x5c".into(), self.chain.iter().map(|der| STANDARD.encode(der)).collect());
        }
        header.insert("x5t".into(), URL_SAFE.encode(self.thumbprint()).into());
        let claims = json!({
            "aud": token_endpoint,
            "iss": client_id,
            "sub": client_id,
            "exp": now + ASSERTION_LIFETIME_SECS,
            "iat": now,
            "jti": uuid_v4(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::Value::Object(header).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .expect("RSA signing with a valid key");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn invalid(detail: &str) -> String {
    format!("Invalid certificate, please use a valid PEM file. Error detail: {detail}")
}

/// `(label, DER)` of each `-----BEGIN label-----` … `-----END label-----` block.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
            current = Some((label.to_string(), String::new()));
        } else if let Some(label) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
            let Some((begun, body)) = current.take() else { continue };
            if begun != label {
                return Err(invalid(&format!("BEGIN {begun} ends with END {label}")));
            }
            let der = STANDARD.decode(body.as_bytes()).map_err(|e| invalid(&format!("{label}: {e}")))?;
            blocks.push((label.to_string(), der));
        } else if let Some((_, body)) = current.as_mut()
            && !line.contains(':')
        {
            // Base64 lines (RFC 1421 headers such as `Proc-Type:` have a colon).
            body.push_str(line);
        }
    }
    Ok(blocks)
}

/// A random (version 4) UUID, as MSAL's `jti`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the system's random source");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../tests/emulator/testdata/sp-key.pem");
    const KEY_PKCS1: &str = include_str!("../../tests/emulator/testdata/sp-key-pkcs1.pem");
    const CERT: &str = include_str!("../../tests/emulator/testdata/sp-cert.pem");

    fn part(jwt: &str, i: usize) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(i).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn the_assertion_has_msals_header_and_claims() {
        let cert = Certificate::from_pem(&format!("{KEY}{CERT}")).unwrap();
        let jwt = cert.assertion("app-id", "https://login.example/t/oauth2/v2.0/token", 1000, false);
        let header = part(&jwt, 0);
        let keys: Vec<&str> = header.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["alg", "typ", "x5t"]);
        assert_eq!(header["alg"], "RS256");
        // 20 bytes in base64url keep one `=` of padding, as MSAL writes it.
        assert_eq!(header["x5t"].as_str().unwrap().len(), 28);
        assert!(header["x5t"].as_str().unwrap().ends_with('='));
        let claims = part(&jwt, 1);
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!((&claims["iss"], &claims["sub"]), (&"app-id".into(), &"app-id".into()));
        assert_eq!((claims["iat"].as_u64(), claims["exp"].as_u64()), (Some(1000), Some(1600)));
        assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
        let again = cert.assertion("app-id", "https://login.example/t/oauth2/v2.0/token", 1000, false);
        assert_ne!(part(&again, 1)["jti"], claims["jti"]);
    }

    #[test]
    fn the_chain_goes_in_x5c_when_asked() {
        let cert = Certificate::from_pem(&format!("{CERT}{KEY}")).unwrap();
        let header = part(&cert.assertion("a", "https://aud", 1, true), 0);
        let der = STANDARD.decode(header["x5c"][0].as_str().unwrap()).unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
        assert_eq!(URL_SAFE.encode(digest.as_ref()), header["x5t"].as_str().unwrap());
    }

    #[test]
    fn a_pkcs1_key_signs_as_its_pkcs8_form_does() {
        let pkcs8 = Certificate::from_pem(&format!("{KEY}{CERT}")).unwrap();
        let pkcs1 = Certificate::from_pem(&format!("{KEY_PKCS1}{CERT}")).unwrap();
        assert_eq!(pkcs8.key.public().as_ref(), pkcs1.key.public().as_ref());
    }

    #[test]
    fn files_az_would_refuse_say_why() {
        let no_key = Certificate::from_pem(CERT).err().unwrap();
        assert_eq!(
            no_key,
            "Invalid certificate, please use a valid PEM file. Error detail: no private key in the file"
        );
        // az 2.91.0's words for a file without a certificate.
        assert_eq!(
            Certificate::from_pem(KEY).err().unwrap(),
            "Invalid certificate, please use a valid PEM file. Error detail: [('PEM routines', '', 'no start line')]"
        );
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(Certificate::from_pem(encrypted).err().unwrap().contains("encrypted"));
        let missing = Certificate::read("/nonexistent/cert.pem").err().unwrap();
        assert_eq!(missing, "[Errno 2] No such file or directory: '/nonexistent/cert.pem'");
        // No part of the key in the message.
        let garbled = KEY.replace("MII", "M!I");
        let message = Certificate::from_pem(&format!("{garbled}{CERT}")).err().unwrap();
        assert!(!message.contains(KEY.lines().nth(2).unwrap()), "{message}");
    }
}
