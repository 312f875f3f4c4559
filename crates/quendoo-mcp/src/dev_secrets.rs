//! `--dev`: secrets generated once and kept in a local file that only the
//! owner can read, so that a developer's data stays readable across runs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::crypto::{EncryptionKey, generate_jwt_secret};

/// What is wrong with the development secrets file.
#[derive(Debug, thiserror::Error)]
#[error("development secrets file {path}: {problem}")]
pub struct DevSecretsError {
    path: String,
    problem: String,
}

#[derive(Deserialize)]
pub struct DevSecrets {
    pub encryption_key: SecretString,
    pub jwt_secret: SecretString,
}

pub fn default_path() -> PathBuf {
    PathBuf::from(".quendoo-mcp").join("dev-secrets.json")
}

/// Reads the file, or generates it (directory 0700, file 0600) if missing.
pub fn load_or_create(path: PathBuf) -> Result<DevSecrets, DevSecretsError> {
    let problem = |problem: String| DevSecretsError {
        path: path.display().to_string(),
        problem,
    };
    if !path.exists() {
        create(&path).map_err(|e| problem(format!("cannot create it: {e}")))?;
    }
    check_owner_only(&path).map_err(problem)?;
    let text = fs::read_to_string(&path).map_err(|e| problem(format!("cannot read it: {e}")))?;
    // serde_json errors could quote file content: report only the position.
    let secrets: DevSecrets = serde_json::from_str(&text).map_err(|e| {
        problem(format!(
            "is not valid (line {}, column {}); delete it to generate new secrets",
            e.line(),
            e.column()
        ))
    })?;
    tracing::warn!(
        path = %path.display(),
        "USING DEVELOPMENT SECRETS (--dev/--demo): generated locally, not for production"
    );
    Ok(secrets)
}

fn create(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;

    let key = EncryptionKey::generate().map_err(std::io::Error::other)?;
    let jwt = generate_jwt_secret().map_err(std::io::Error::other)?;
    let body = serde_json::json!({
        "encryption_key": key.to_base64().expose_secret(),
        "jwt_secret": jwt.expose_secret(),
    });

    // Written completely under a private name, then linked into place: a
    // concurrent run sees either no file or a whole one, never half of it.
    let tmp = dir.join(format!(".dev-secrets.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut file| file.write_all(body.to_string().as_bytes()));
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| format!("cannot read it: {e}"))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "is readable by others (mode {:o}); run `chmod 600` on it",
            mode & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".quendoo-mcp").join("dev-secrets.json");
        let first = load_or_create(path.clone()).unwrap();
        let second = load_or_create(path.clone()).unwrap();
        assert_eq!(
            first.encryption_key.expose_secret(),
            second.encryption_key.expose_secret()
        );
        assert_eq!(
            first.jwt_secret.expose_secret(),
            second.jwt_secret.expose_secret()
        );
        assert!(EncryptionKey::from_base64(first.encryption_key.expose_secret()).is_ok());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            let err = load_or_create(path).err().unwrap().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }
}
