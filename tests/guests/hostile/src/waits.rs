//! Waits made through WASI directly, the way a language runtime's scheduler or a hand-written
//! event loop makes them.

/// Polls a ten-minute timer.
pub fn poll_timer() {
    #[cfg(target_arch = "wasm32")]
    {
        let timer = wasip2::clocks::monotonic_clock::subscribe_duration(600_000_000_000);
        let _ = wasip2::io::poll::poll(&[&timer]);
    }
}

/// Blocks on a timer for the last instant the clock can name.
pub fn block_forever() {
    #[cfg(target_arch = "wasm32")]
    wasip2::clocks::monotonic_clock::subscribe_instant(u64::MAX).block();
}

/// A blocking read of stdin, and what came of it.
pub fn read_stdin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        match wasip2::cli::stdin::get_stdin().blocking_read(1) {
            Ok(bytes) => format!("stdin gave {} bytes", bytes.len()),
            Err(e) => format!("stdin: {e:?}"),
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::from("stdin: native")
}
