#[tokio::main]
async fn main() {
    if let Err(err) = server::run().await {
        eprintln!("everai-console: {err}");
        std::process::exit(1);
    }
}
