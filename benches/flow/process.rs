//! The processes of the benchmark: the sandbox as a child process, and what `/proc` says about CPU
//! time, memory and the machine.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Result;

/// The sandbox, running as this executable re-run with [`SANDBOX_CHILD_FLAG`]: its CPU time is
/// its own, apart from the client's. Killed on drop.
pub struct SandboxProcess {
    child: Child,
    pub pid: u32,
    pub base_url: String,
}

impl SandboxProcess {
    /// Starts the sandbox and waits until it listens.
    pub fn spawn() -> Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SANDBOX_CHILD_FLAG)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let pid = child.id();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut process = SandboxProcess {
            child,
            pid,
            base_url: String::new(),
        };
        let first = lines
            .next()
            .ok_or("the sandbox exited before it listened")??;
        process.base_url = first
            .rsplit(' ')
            .next()
            .filter(|url| url.starts_with("http://"))
            .ok_or_else(|| format!("unexpected first line from the sandbox: {first}"))?
            .to_owned();
        // Drain the rest of its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(process)
    }

    /// The CPU time the sandbox has used so far.
    pub fn cpu_seconds(&self) -> Result<f64> {
        process_cpu_seconds(&self.pid.to_string())
    }
}

/// The first argument that makes this program the sandbox process of the benchmark.
pub const SANDBOX_CHILD_FLAG: &str = "--sandbox-child";

/// Runs in the child process: a sandbox that processes at once, until the parent kills it. Its
/// first line of output is its base URL.
pub fn sandbox_child() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sandbox = jumio_kyx_sandbox::SandboxConfig {
            processing_delay: Duration::ZERO,
            ..jumio_kyx_sandbox::SandboxConfig::default()
        }
        .start()
        .await?;
        println!("sandbox listening on {}", sandbox.base_url());
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok(())
    })
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What this process has used so far, all its threads (the exited ones included):
/// `getrusage(RUSAGE_SELF)`.
#[derive(Clone, Copy)]
pub struct Usage {
    /// User plus system CPU time, to the microsecond: the scheduler's precise run time.
    /// (`/proc/self/stat` counts clock ticks of 10 ms: for a round of 400 flows at half a
    /// millisecond each, one tick is 5 % of the figure.)
    pub cpu_s: f64,
    /// The part of it spent in the kernel.
    pub system_s: f64,
    /// Page faults served without I/O: a page of memory touched for the first time.
    pub minor_faults: f64,
    /// Context switches, voluntary (a thread waited) and involuntary (it was preempted).
    pub switches: f64,
}

impl std::ops::Sub for Usage {
    type Output = Usage;
    fn sub(self, before: Usage) -> Usage {
        Usage {
            cpu_s: self.cpu_s - before.cpu_s,
            system_s: self.system_s - before.system_s,
            minor_faults: self.minor_faults - before.minor_faults,
            switches: self.switches - before.switches,
        }
    }
}

/// This process's [`Usage`] so far.
pub fn own_usage() -> Result<Usage> {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which is zeroed and ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Usage {
        cpu_s: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        system_s: seconds(usage.ru_stime),
        minor_faults: usage.ru_minflt as f64,
        switches: (usage.ru_nvcsw + usage.ru_nivcsw) as f64,
    })
}

/// User plus system CPU time of a process (a pid), from `/proc/<pid>/stat`, in clock ticks of
/// 10 ms.
pub fn process_cpu_seconds(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').ok_or("bad /proc stat")? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here (state is field 3).
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // USER_HZ is 100 on Linux for every architecture in use.
    Ok(ticks / 100.0)
}

/// VmRSS and VmHWM of this process, in KiB.
pub fn memory_kb() -> Result<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or(format!("no {name} in /proc/self/status"))?;
        Ok(line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The processor's model name, for the header of the report.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// The machine's memory, for the header of the report.
pub fn memory_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
