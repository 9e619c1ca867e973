//! The command line: the sizes of each part, and the quick configuration.

use crate::Result;
use crate::flows::Variant;

/// What the run measures, and how much of it.
#[derive(Clone, Debug)]
pub struct Options {
    pub flows: usize,
    pub concurrency: usize,
    pub rounds: usize,
    pub uploads: usize,
    pub sandbox_concurrency: usize,
    pub variants: Vec<Variant>,
    pub quick: bool,
    /// `--profile VARIANT`: only `flows` flows of that variant at `concurrency`, nothing else, for
    /// a profiler (`valgrind --tool=callgrind`, `perf`) to compare the variants' whole processes.
    pub profile: Option<Variant>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self> {
        let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
        let mut options = if quick {
            Options {
                flows: 20,
                concurrency: 2,
                rounds: 2,
                uploads: 2,
                sandbox_concurrency: 8,
                variants: Variant::DEFAULT.to_vec(),
                quick,
                profile: None,
            }
        } else {
            Options {
                flows: 400,
                concurrency: 8,
                rounds: 5,
                uploads: 16,
                sandbox_concurrency: 32,
                variants: Variant::DEFAULT.to_vec(),
                quick,
                profile: None,
            }
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| -> Result<usize> {
                let text = args.next().ok_or(format!("{name} needs a value"))?;
                let value: usize = text.parse().map_err(|_| format!("{name} {text:?}"))?;
                if value == 0 {
                    return Err(format!("{name} must be at least 1").into());
                }
                Ok(value)
            };
            match arg.as_str() {
                "--flows" => options.flows = value("--flows")?,
                "--concurrency" => options.concurrency = value("--concurrency")?,
                "--rounds" => options.rounds = value("--rounds")?,
                "--uploads" => options.uploads = value("--uploads")?,
                "--sandbox-concurrency" => {
                    options.sandbox_concurrency = value("--sandbox-concurrency")?
                }
                "--variants" => {
                    let list = args.next().ok_or("--variants needs a value")?;
                    options.variants = list
                        .split(',')
                        .map(|name| {
                            Variant::ALL
                                .into_iter()
                                .find(|v| v.key() == name)
                                .ok_or(format!("unknown variant {name:?}"))
                        })
                        .collect::<Result<_, _>>()?;
                    // The baseline always runs, first: the ratios are against it.
                    options.variants.retain(|v| *v != Variant::Baseline);
                    options.variants.insert(0, Variant::Baseline);
                }
                "--profile" => {
                    let name = args.next().ok_or("--profile needs a variant")?;
                    options.profile = Some(
                        Variant::ALL
                            .into_iter()
                            .find(|v| v.key() == name)
                            .ok_or(format!("unknown variant {name:?}"))?,
                    );
                }
                "--quick" | "--bench" => {}
                "--help" | "-h" => {
                    println!(
                        "cargo bench -p jumio-kyx --bench flow -- [--flows N] [--concurrency C] \
                         [--rounds R] [--uploads U] [--sandbox-concurrency S] \
                         [--variants baseline,session,verify] [--quick] \
                         [--profile VARIANT]"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)").into()),
            }
        }
        Ok(options)
    }
}
