//! Concurrent module loader: a few threads walk the plan's dependency DAG; a
//! module starts once all its dependencies are loaded. finit_module(2) spends
//! most of its time in the kernel (signature check, relocation, the module's
//! init), so independent modules overlap well even on one CPU that waits
//! for e.g. a NIC reset.

use super::{Error, Module, Plan};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// How a module gets into the kernel; tests substitute their own.
pub type LoadFn = dyn Fn(&Module) -> Result<(), String> + Send + Sync;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Pending,
    Loading,
    Done,
    Failed(Error),
}

struct State {
    status: Vec<Status>,
}

struct Shared {
    plan: Plan,
    state: Mutex<State>,
    changed: Condvar,
}

/// Starts loading a [`Plan`].
pub struct Loader;

/// Waits on a running load.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

/// Default number of loader threads: enough to overlap a NIC driver, the NFS
/// chain and a filesystem; more only contends on the kernel's module mutex.
pub const THREADS: usize = 3;

/// Load one module with finit_module(2). `EEXIST` means another loader (or
/// the kernel's own request_module) got there first: done.
pub fn load_file(m: &Module) -> Result<(), String> {
    let f = std::fs::File::open(&m.path).map_err(|e| format!("cannot open: {e}"))?;
    match crate::sys::fs::finit_module(&f) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(()),
        Err(e) => Err(describe(&e)),
    }
}

/// finit_module(2)'s errors in words (ERRORS in init_module(2)).
fn describe(e: &std::io::Error) -> String {
    let hint = match e.raw_os_error() {
        Some(libc::ENOEXEC) => "invalid module format (built for another kernel?)",
        Some(libc::EKEYREJECTED) | Some(libc::EBADMSG) => "module signature rejected",
        Some(libc::ENOENT) => "unknown symbol (a dependency is missing; see dmesg)",
        Some(libc::EPERM) => "not permitted (needs CAP_SYS_MODULE; module loading disabled?)",
        Some(libc::EINVAL) => "invalid parameters or module (see dmesg)",
        Some(libc::EBUSY) => "module is busy initialising",
        _ => "",
    };
    if hint.is_empty() {
        e.to_string()
    } else {
        format!("{hint}: {e}")
    }
}

impl Loader {
    /// Load `plan` with finit_module(2) on [`THREADS`] threads.
    pub fn spawn(plan: Plan) -> Handle {
        Self::spawn_with(plan, THREADS, Arc::new(load_file))
    }

    /// Load `plan` on `threads` threads with `load`.
    pub fn spawn_with(plan: Plan, threads: usize, load: Arc<LoadFn>) -> Handle {
        let n = plan.modules.len();
        let shared = Arc::new(Shared {
            plan,
            state: Mutex::new(State {
                status: vec![Status::Pending; n],
            }),
            changed: Condvar::new(),
        });
        for i in 0..threads.clamp(1, n.max(1)) {
            let s = Arc::clone(&shared);
            let l = Arc::clone(&load);
            let spawned = std::thread::Builder::new()
                .name(format!("kmod{i}"))
                .spawn(move || worker(&s, &*l));
            if let Err(e) = spawned {
                crate::warn!("cannot start module loader thread: {e}");
                if i == 0 {
                    // Without any thread, load here so the plan still completes.
                    worker(&shared, &*load);
                }
                break;
            }
        }
        Handle { shared }
    }
}

fn lock(s: &Shared) -> MutexGuard<'_, State> {
    // A panicking loader thread cannot leave the status table inconsistent
    // (each update is a single assignment), so poisoning is ignored.
    s.state.lock().unwrap_or_else(|p| p.into_inner())
}

fn worker(s: &Shared, load: &LoadFn) {
    let mut st = lock(s);
    loop {
        let mut next = None;
        let mut busy = false;
        for i in 0..st.status.len() {
            if st.status[i] != Status::Pending {
                busy |= st.status[i] == Status::Loading;
                continue;
            }
            let m = &s.plan.modules[i];
            // Name the root cause, not the nearest casualty.
            let failed_dep = m.deps.iter().find_map(|&d| match &st.status[d] {
                Status::Failed(Error::DependencyFailed { dependency, .. }) => {
                    Some(dependency.clone())
                }
                Status::Failed(_) => Some(s.plan.modules[d].name.clone()),
                _ => None,
            });
            if let Some(dependency) = failed_dep {
                st.status[i] = Status::Failed(Error::DependencyFailed {
                    module: m.name.clone(),
                    dependency,
                });
                s.changed.notify_all();
                continue;
            }
            let settled = |d: &usize| matches!(st.status[*d], Status::Done | Status::Failed(_));
            if m.deps.iter().all(|&d| st.status[d] == Status::Done) && m.soft.iter().all(settled) {
                next = Some(i);
                break;
            }
            busy = true;
        }
        let Some(i) = next else {
            if !busy {
                return;
            }
            st = s.changed.wait(st).unwrap_or_else(|p| p.into_inner());
            continue;
        };
        st.status[i] = Status::Loading;
        drop(st);
        let m = &s.plan.modules[i];
        let t0 = std::time::Instant::now();
        let r = load(m);
        st = lock(s);
        st.status[i] = match r {
            Ok(()) => {
                crate::debug!("loaded module {} in {:?}", m.name, t0.elapsed());
                Status::Done
            }
            Err(reason) => {
                crate::debug!("loading module {} failed: {reason}", m.name);
                Status::Failed(Error::Load {
                    module: m.name.clone(),
                    path: m.path.clone(),
                    reason,
                })
            }
        };
        s.changed.notify_all();
    }
}

impl Handle {
    /// Block until the named modules (and so their dependencies) are loaded.
    /// Names not in the plan (built in, already loaded, or not needed on this
    /// machine) count as ready. Returns the first failure among them.
    pub fn wait_for(&self, names: &[&str]) -> Result<(), Error> {
        let idx: Vec<usize> = names
            .iter()
            .filter_map(|n| self.shared.plan.index(n))
            .collect();
        self.wait_indices(&idx)
    }

    /// Block until every module of the plan is loaded or failed; the first
    /// failure (in plan order) is returned.
    pub fn wait_all(&self) -> Result<(), Error> {
        let idx: Vec<usize> = (0..self.shared.plan.modules.len()).collect();
        self.wait_indices(&idx)
    }

    /// Every failure so far, in plan order (for the boot log).
    pub fn failures(&self) -> Vec<Error> {
        lock(&self.shared)
            .status
            .iter()
            .filter_map(|s| match s {
                Status::Failed(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// Whether `name` is loaded (or needs no loading).
    pub fn is_loaded(&self, name: &str) -> bool {
        match self.shared.plan.index(name) {
            Some(i) => lock(&self.shared).status[i] == Status::Done,
            None => true,
        }
    }

    /// The plan being loaded.
    pub fn plan(&self) -> &Plan {
        &self.shared.plan
    }

    fn wait_indices(&self, idx: &[usize]) -> Result<(), Error> {
        let mut st = lock(&self.shared);
        loop {
            // Wait for every module to finish, failed or not, before saying
            // so: one failure (crc32c_intel without SSE4.2, a soft
            // dependency) must not let the caller mount while btrfs is
            // still loading.
            let mut pending = false;
            let mut first = None;
            for &i in idx {
                match &st.status[i] {
                    Status::Failed(e) => {
                        first.get_or_insert_with(|| e.clone());
                    }
                    Status::Done => {}
                    _ => pending = true,
                }
            }
            if !pending {
                return first.map_or(Ok(()), Err);
            }
            st = self
                .shared
                .changed
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}
