//! `everai-sim`: the simulated EverAI platform as a standalone server.

use std::net::SocketAddr;

use everai_sim::{SimConfig, Simulator, faults::Faults};

const USAGE: &str = "\
usage: everai-sim --token TOKEN [--addr 127.0.0.1:8900] [--seed 1] [--time-scale 1]

Serves the EverAI worker API (list workers, scale up, scale down, list apps)
over a seeded demo world.

  --token TOKEN      bearer token clients must send (or EVERAI_SIM_TOKEN)
  --addr ADDR        address to listen on (default 127.0.0.1:8900)
  --seed N           seed of the demo world (default 1)
  --time-scale X     run the world X times faster than real time (default 1)
  --faults JSON      fault injection, e.g. '{\"error_rate\":0.2,\"latency_ms\":500}'
";

fn parse(args: &[String]) -> Result<(SocketAddr, SimConfig), String> {
    let mut addr: SocketAddr = "127.0.0.1:8900".parse().expect("default address");
    let mut config = SimConfig {
        token: std::env::var("EVERAI_SIM_TOKEN").unwrap_or_default(),
        seed: 1,
        time_scale: 1.0,
        faults: Faults::default(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--addr" => {
                addr = value("--addr")?
                    .parse()
                    .map_err(|_| "--addr must be IP:PORT, e.g. 127.0.0.1:8900".to_string())?
            }
            "--token" => config.token = value("--token")?,
            "--seed" => {
                config.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed must be a whole number".to_string())?
            }
            "--time-scale" => {
                config.time_scale = value("--time-scale")?
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| "--time-scale must be a positive number".to_string())?
            }
            "--faults" => {
                let faults: Faults = serde_json::from_str(&value("--faults")?)
                    .map_err(|e| format!("--faults: {e}"))?;
                faults.validate().map_err(|e| format!("--faults: {e}"))?;
                config.faults = faults;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if config.token.trim().is_empty() {
        return Err("a token is required: --token TOKEN or EVERAI_SIM_TOKEN".into());
    }
    Ok((addr, config))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, config) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(msg) if msg.is_empty() => {
            print!("{USAGE}");
            return;
        }
        Err(msg) => {
            eprintln!("everai-sim: {msg}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let sim = Simulator::demo(&config);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("everai-sim: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "everai-sim: EverAI API on http://{} (seed {}, time x{})",
        listener.local_addr().unwrap_or(addr),
        config.seed,
        config.time_scale
    );
    if let Err(e) = axum::serve(listener, sim.router()).await {
        eprintln!("everai-sim: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_read() {
        let (addr, config) = parse(&args(&[
            "--token",
            "t",
            "--addr",
            "127.0.0.1:9",
            "--seed",
            "5",
            "--time-scale",
            "2.5",
            "--faults",
            r#"{"error_rate":0.5}"#,
        ]))
        .unwrap();
        assert_eq!(addr.to_string(), "127.0.0.1:9");
        assert_eq!(
            (config.token.as_str(), config.seed, config.time_scale),
            ("t", 5, 2.5)
        );
        assert_eq!(config.faults.error_rate, 0.5);
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        for (list, want) in [
            (&["--token"][..], "--token needs a value"),
            (&["--token", "t", "--addr", "nowhere"][..], "--addr must be"),
            (&["--token", "t", "--seed", "-3"][..], "--seed must be"),
            (
                &["--token", "t", "--time-scale", "0"][..],
                "--time-scale must be",
            ),
            (
                &["--token", "t", "--faults", r#"{"error_rate":3}"#][..],
                "error_rate must be",
            ),
            (
                &["--token", "t", "--faults", r#"{"typo":1}"#][..],
                "unknown field",
            ),
            (&["--token", "t", "--bogus"][..], "unknown argument"),
            (&["--token", " "][..], "a token is required"),
        ] {
            let err = parse(&args(list)).unwrap_err();
            assert!(err.contains(want), "{list:?}: {err}");
        }
    }
}
