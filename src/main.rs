// glibc's allocator spends a large share of the append path in arena locking and
// consolidation under many threads (measured in docs/BENCHMARKS.md); mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    caseledger::cli::run()
}
