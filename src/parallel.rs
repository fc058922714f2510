//! Loops over independent items, on rayon's threads where the crate is built with them (feature
//! `parallel`: natively and in the page's threaded module), in order on one thread otherwise. Our
//! CPU kernels (`conv::cpu`, `batch_norm::cpu`) give each item work that does not depend on the order,
//! so both forms compute the same numbers.

/// Runs `body` for every item.
pub fn for_each<T: Send, F: Fn(T) + Sync + Send>(items: Vec<T>, body: F) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().for_each(body);
    }
    #[cfg(not(feature = "parallel"))]
    items.into_iter().for_each(body);
}

/// `body` of every item, in the items' order.
pub fn map<T: Send, R: Send, F: Fn(T) -> R + Sync + Send>(items: Vec<T>, body: F) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().map(body).collect()
    }
    #[cfg(not(feature = "parallel"))]
    items.into_iter().map(body).collect()
}
