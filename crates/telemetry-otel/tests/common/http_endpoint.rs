//! A bare OTLP/HTTP endpoint on 127.0.0.1 that reads each request (keep-alive: every request
//! on a connection) and answers it with a status of the test's choosing and an empty body,
//! recording when each request arrived. Stops when the test process ends.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Starts the endpoint. `answer(n)` gives the status and extra header lines (each ending in
/// `\r\n`) for the `n`th request (from 0). Returns its address and the arrival times.
pub fn http_endpoint(
    mut answer: impl FnMut(usize) -> (u16, &'static str) + Send + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            while read_request(&mut reader) {
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(Instant::now());
                    seen.len() - 1
                };
                let (status, extra) = answer(n);
                let response =
                    format!("HTTP/1.1 {status} Scripted\r\n{extra}content-length: 0\r\n\r\n");
                if stream.write_all(response.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (addr, arrivals)
}

/// Reads one request (head and body); false when the connection ended first.
fn read_request(reader: &mut impl BufRead) -> bool {
    let mut length = 0usize;
    let mut line = String::new();
    let mut saw_request = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        saw_request = true;
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    saw_request && reader.read_exact(&mut body).is_ok()
}
