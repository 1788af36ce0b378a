//! The `iro` binary: parse, run, and turn the outcome into the exit status the design promises.

use std::process::ExitCode;

// The audit of a national record makes and frees tens of millions of small texts and steps, which
// the system's allocator took a tenth of its time over.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` in the mimalloc.h of the version
/// Cargo.lock pins): how long memory freed is kept from the system, 10 ms unless set.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Memory freed goes back at once, so a report's peak is what the system's allocator gave (with
    // arenas committed as used: `.cargo/config.toml`).
    // SAFETY: setting an option is allowed at any time, and nothing else runs yet.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // A bug must still end in one clear line, never a backtrace over someone's terminal.
    std::panic::set_hook(Box::new(|info| {
        let said = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("error: internal error{at}: {said} (please report it)");
    }));
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // The audit keeps freed memory for a second: it frees and makes again the same room for every
    // matter, and room handed back is room the system must clear again before it is used.
    let mut keep_freed_memory = || {
        // SAFETY: as above; the command has not started, so no other thread runs.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
    };
    let code = iro::cli::main_with(
        std::env::args_os(),
        &mut stdout.lock(),
        &mut stderr.lock(),
        &mut keep_freed_memory,
    );
    ExitCode::from(code)
}
