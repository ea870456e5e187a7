//! The allocator of a rules component: an arena that is never freed.
//!
//! The host gives every call a fresh instance and throws it away afterwards (see the host's
//! runtime), so a component's heap lives for one application only. Freeing inside that
//! lifetime buys nothing: the instance's memory is reset as a whole when it is dropped.
//! Measured on the pre-check of 新生儿出生一件事, the general-purpose allocator's bookkeeping
//! — `malloc` and `free` for every string of the application as it is copied in, and again
//! for every finding — was a large share of the time spent inside the guest.
//!
//! So allocation here is a pointer bump, freeing does nothing, and growing the most recent
//! block (a `String` being built, a `Vec` being pushed to) happens in place. The cost is that
//! memory freed during a call is not reused: a rule that churns through more temporary data
//! than its memory budget in one call hits `rule_out_of_memory` earlier than it would with
//! `dlmalloc`. Rules read one form and a few materials; the budget is 32 MiB by default.
//!
//! Compiled only for single-threaded `wasm32` (what `wasm32-wasip2` is); native builds of a
//! plugin — its unit tests, the benchmark baseline — keep the system allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::arch::wasm32;
use std::cell::{Cell, UnsafeCell};
use std::ptr::null_mut;

const PAGE: usize = 64 * 1024;
/// Memory is requested from the host at least this many pages at a time.
const MIN_GROW_PAGES: usize = 4;
/// The first allocations come from a zeroed static region, which is part of the component's
/// initial memory: `memory.grow` on a fresh instance costs the host a change of page
/// protection, and most calls never need more than this.
const FIRST_REGION: usize = 1 << 20;

#[repr(C, align(16))]
struct Region(UnsafeCell<[u8; FIRST_REGION]>);

/// All zeros, so it lands in `.bss`: it adds nothing to the component's size.
static FIRST: Region = Region(UnsafeCell::new([0; FIRST_REGION]));

/// No allocation starts at address zero, so zero means "none" and the whole arena is zeroed
/// data too.
const NONE: usize = 0;

pub struct Arena {
    next: Cell<usize>,
    end: Cell<usize>,
    /// Start of the most recent allocation, which may grow in place.
    last: Cell<usize>,
}

impl Arena {
    pub const fn new() -> Arena {
        Arena {
            next: Cell::new(0),
            end: Cell::new(0),
            last: Cell::new(NONE),
        }
    }

    fn start(&self) {
        let base = FIRST.0.get() as usize;
        self.next.set(base);
        self.end.set(base + FIRST_REGION);
    }

    /// Makes room so that the arena reaches at least `needed_end`; false when the host refuses
    /// more memory.
    fn grow_to(&self, needed_end: usize) -> bool {
        let missing = needed_end.saturating_sub(self.end.get());
        let pages = missing.div_ceil(PAGE).max(MIN_GROW_PAGES);
        let previous = wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return false;
        }
        let old_end = previous * PAGE;
        if old_end != self.end.get() {
            // The arena moves on from the static region, or memory was grown by someone else:
            // start over in the new pages.
            self.next.set(old_end);
            self.last.set(NONE);
        }
        self.end.set((previous + pages) * PAGE);
        true
    }

    /// The common case inline: the block fits in the current region.
    #[inline]
    fn bump(&self, layout: Layout) -> *mut u8 {
        match self.fit(layout) {
            Some(block) => block,
            None => self.bump_slow(layout),
        }
    }

    /// Takes the block from the current region if it fits there. `Layout` guarantees a
    /// power-of-two alignment, so rounding up is a mask rather than a division (a division is
    /// slow in compiled WebAssembly, and every string of the application passes through here).
    #[inline]
    fn fit(&self, layout: Layout) -> Option<*mut u8> {
        let next = self.next.get();
        if next == NONE {
            return None;
        }
        let mask = layout.align() - 1;
        let start = next.checked_add(mask)? & !mask;
        let end = start.checked_add(layout.size())?;
        if end > self.end.get() {
            return None;
        }
        self.next.set(end);
        self.last.set(start);
        Some(start as *mut u8)
    }

    /// First use of the arena, or the region is full.
    #[cold]
    #[inline(never)]
    fn bump_slow(&self, layout: Layout) -> *mut u8 {
        if self.end.get() == 0 {
            self.start();
        }
        for _attempt in 0..3 {
            if let Some(block) = self.fit(layout) {
                return block;
            }
            // Room for the block wherever alignment puts it; after growing, `next` may have
            // moved to fresh pages, so the fit is tried again.
            let Some(needed) = self
                .next
                .get()
                .checked_add(layout.size())
                .and_then(|n| n.checked_add(layout.align()))
            else {
                return null_mut();
            };
            if !self.grow_to(needed) {
                return null_mut();
            }
        }
        null_mut()
    }
}

impl Default for Arena {
    fn default() -> Arena {
        Arena::new()
    }
}

// SAFETY: `wasm32` without the `atomics` feature has exactly one thread, so the cells are
// never touched concurrently.
#[allow(unsafe_code)]
unsafe impl Sync for Arena {}

// SAFETY: as above; the region's bytes are only reached through pointers the arena hands out.
#[allow(unsafe_code)]
unsafe impl Sync for Region {}

// SAFETY: every pointer handed out lies in the static region or in linear memory obtained from
// `memory.grow`, is aligned
// as requested, and no two live blocks overlap: `next` only moves forward, except that the most
// recent block may grow in place before anything else is allocated after it.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.bump(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // Handing back the most recent block lets the next allocation reuse it.
        if ptr as usize == self.last.get() {
            self.next.set(ptr as usize);
            self.last.set(NONE);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = ptr as usize;
        if start == self.last.get() {
            let Some(end) = start.checked_add(new_size) else {
                return null_mut();
            };
            // Growing memory may have moved the arena to fresh pages, leaving this block behind.
            let fits = end <= self.end.get()
                || (self.grow_to(end) && self.end.get() >= end && self.last.get() == start);
            if fits {
                self.next.set(end);
                return ptr;
            }
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        let new = self.bump(new_layout);
        if !new.is_null() {
            // SAFETY: both blocks are valid for the smaller of the two sizes and distinct.
            unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        }
        new
    }
}

/// The canonical ABI's allocation entry point: the host calls it once for every string and
/// list of the application it copies into the instance, so it is the guest's hottest function
/// on the way in.
///
/// Rust's standard library for `wasm32-wasip2` defines a weak `cabi_realloc` for every
/// component, reaching the global allocator through `__rust_alloc` and the allocator shim. This
/// strong definition replaces it (the weak symbol exists to be replaced) and takes the arena's
/// inline path directly. The contract is the same: a zero `old_len` asks for a new block, a
/// zero `new_len` with it for a dangling aligned pointer, and failure traps.
///
/// # Safety
///
/// Called by the host under the canonical ABI: `old_ptr` and `old_len` describe a block this
/// allocator handed out with alignment `align`, and `align` is a power of two.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    let block = if old_len == 0 {
        if new_len == 0 {
            return align as *mut u8;
        }
        match Layout::from_size_align(new_len, align) {
            Ok(layout) => crate::ARENA.bump(layout),
            Err(_) => null_mut(),
        }
    } else {
        match Layout::from_size_align(old_len, align) {
            // SAFETY: the caller passes a block of this arena with its layout (see above).
            Ok(layout) => unsafe { crate::ARENA.realloc(old_ptr, layout, new_len) },
            Err(_) => null_mut(),
        }
    };
    if block.is_null() {
        // As the standard definition does: the instance cannot go on without the block.
        wasm32::unreachable();
    }
    block
}
