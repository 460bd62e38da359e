//! Rebuilds when a migration is added or changed: `embed_migrations!` reads the
//! migration folders at compile time, and without this cargo would not notice a new
//! folder until some Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
