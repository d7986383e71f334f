//! Carrying a [`Context`] snapshot into a future ([`WithContext`]), a closure or a thread, so
//! that it is current there.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::scope::context::Context;

use crate::scope::context::SwapGuard;

impl Context {
    /// Wraps a future so that this snapshot is current whenever it is polled, on whichever
    /// thread polls it. Use it to carry a scope into `tokio::spawn` or `spawn_blocking`.
    pub fn wrap<F: Future>(self, future: F) -> WithContext<F> {
        WithContext {
            context: self,
            future,
        }
    }

    /// Wraps a closure so that this snapshot is current while it runs; for `std::thread::spawn`
    /// and thread pools.
    pub fn wrap_fn<R, F: FnOnce() -> R>(self, f: F) -> impl FnOnce() -> R {
        move || {
            let _guard = self.attach();
            f()
        }
    }

    /// Runs `f` with this snapshot current.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.attach();
        f()
    }
}

pin_project_lite::pin_project! {
    /// A future that runs with a [`Context`] current whenever it is polled. See
    /// [`Context::wrap`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WithContext<F> {
        context: Context,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let swap = SwapGuard::enter(this.context);
        let out = this.future.poll(cx);
        drop(swap);
        out
    }
}
