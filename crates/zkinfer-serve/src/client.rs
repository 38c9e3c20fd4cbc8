//! A small blocking HTTP/1.1 client for the log's own endpoints (the monitor, the load test,
//! the tests). Plain `http://` only: one request per connection, `Content-Length` bodies — what
//! our server sends. It is written here because the monitor needs only GET of small bodies, and
//! pulling in a TLS-capable client (ureq/reqwest with rustls) would add a crypto build to every CI
//! run; a monitor of a log behind HTTPS needs one (left out, see docs/SERVICE.md).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::Error;

/// Largest response body read (a full entries tile of large entries fits).
pub const MAX_RESPONSE: u64 = 64 << 20;

/// A response.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (lossy).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body if the status is 2xx, else [`Error::Http`] with the status and body.
    ///
    /// # Errors
    /// [`Error::Http`].
    pub fn ok(self, what: &str) -> Result<Vec<u8>, Error> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(Error::Http(format!(
                "{what}: HTTP {} {}",
                self.status,
                self.text().trim()
            )))
        }
    }
}

/// Splits `http://host:port/prefix` into (`host:port`, `/prefix` without a trailing slash).
///
/// # Errors
/// [`Error::Http`] for another scheme.
pub fn split_url(url: &str) -> Result<(String, String), Error> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        Error::Http(format!(
            "`{url}`: only http:// URLs are supported (put a local TLS proxy in front for https)"
        ))
    })?;
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let path = format!("/{}", path.trim_end_matches('/'));
    Ok((host, if path == "/" { String::new() } else { path }))
}

/// Sends one request.
///
/// # Errors
/// [`Error::Http`] if the connection or the response fails.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    timeout: Duration,
) -> Result<Response, Error> {
    let (host, prefix) = split_url(base)?;
    let err = |e: std::io::Error| Error::Http(format!("{method} {base}{path}: {e}"));
    let addr = host
        .to_socket_addrs()
        .map_err(err)?
        .next()
        .ok_or_else(|| Error::Http(format!("{host}: no address")))?;
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(err)?;
    s.set_read_timeout(Some(timeout)).map_err(err)?;
    s.set_write_timeout(Some(timeout)).map_err(err)?;
    let mut head = format!(
        "{method} {prefix}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).map_err(err)?;
    s.write_all(body).map_err(err)?;
    let mut raw = Vec::new();
    s.take(MAX_RESPONSE).read_to_end(&mut raw).map_err(err)?;
    parse_response(&raw)
        .ok_or_else(|| Error::Http(format!("{method} {base}{path}: malformed response")))
}

fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut chunked = false;
    let mut len = None;
    for l in lines {
        let (k, v) = l.split_once(':')?;
        if k.eq_ignore_ascii_case("content-length") {
            len = v.trim().parse::<usize>().ok();
        }
        if k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
        {
            chunked = true;
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        match len {
            Some(n) => rest.get(..n)?.to_vec(),
            None => rest.to_vec(),
        }
    };
    Some(Response { status, body })
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..eol])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

/// `GET base+path`.
///
/// # Errors
/// [`Error::Http`].
pub fn get(base: &str, path: &str) -> Result<Response, Error> {
    request(base, "GET", path, None, &[], Duration::from_secs(30))
}

/// `POST base+path` with a body.
///
/// # Errors
/// [`Error::Http`].
pub fn post(base: &str, path: &str, content_type: &str, body: &[u8]) -> Result<Response, Error> {
    request(
        base,
        "POST",
        path,
        Some(content_type),
        body,
        Duration::from_secs(120),
    )
}
