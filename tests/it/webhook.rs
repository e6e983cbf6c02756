//! A webhook receiver on 127.0.0.1 for the notification tests: it answers 200 to every POST
//! and hands each one (path, headers, JSON body) over a channel.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Post {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The listening receiver: its port, and the posts as they arrive.
pub struct Hook {
    pub port: u16,
    pub rx: mpsc::Receiver<Post>,
}

impl Hook {
    pub fn start() -> Hook {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(mut s) = conn else { return };
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let Some(got) = read_post(&mut s) else {
                    continue;
                };
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
                if tx.send(got).is_err() {
                    return;
                }
            }
        });
        Hook { port, rx }
    }

    /// Every post received until `n` arrived (or 20 s passed).
    pub fn collect(&self, n: usize) -> Vec<Post> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(p) => got.push(p),
                Err(_) => break,
            }
        }
        got.extend(self.rx.try_iter());
        got
    }
}

fn read_post(stream: &mut std::net::TcpStream) -> Option<Post> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    let mut len = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        if name.eq_ignore_ascii_case("content-length") {
            len = value.trim().parse().ok()?;
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Post {
        path,
        headers,
        body: serde_json::from_slice(&body).ok()?,
    })
}
