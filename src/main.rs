fn main() -> anyhow::Result<()> {
    caseledger::cli::run()
}
