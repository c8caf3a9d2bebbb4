//! The migrations are embedded at compile time (`sqlx::migrate!`): a migration added or changed must
//! rebuild this crate, or the tests run the old set.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
