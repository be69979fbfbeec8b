//! Per-run random streams: one ChaCha8 stream per run index, derived from the master seed.
//!
//! Why our own helpers: every published figure must be reproducible from `(seed, run)`, so the
//! mapping from generator words to numbers is pinned here (and in the `value_stability` tests)
//! rather than left to a library whose sampling algorithms may change between releases.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Word offset at which a run's play stream starts; parameter sampling uses the words before it.
///
/// Keeping parameters and play apart means a change in how many parameters a scenario samples
/// never shifts the walk-out draws of the bargaining itself (and vice versa).
const PLAY_WORD_OFFSET: u128 = 1 << 40;

/// The generator type used for every run.
pub type RunRng = ChaCha8Rng;

/// Builds the 32-byte ChaCha key from the master seed (little-endian, zero padded).
fn key(seed: u64) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&seed.to_le_bytes());
    k
}

/// The generator that samples the uncertain parameters of run `run`.
pub fn param_rng(seed: u64, run: u64) -> RunRng {
    let mut rng = ChaCha8Rng::from_seed(key(seed));
    rng.set_stream(run);
    rng
}

/// The generator that drives the bargaining (walk-outs, random choices) of run `run`.
pub fn play_rng(seed: u64, run: u64) -> RunRng {
    let mut rng = param_rng(seed, run);
    rng.set_word_pos(PLAY_WORD_OFFSET);
    rng
}

/// Word offset of a world's parameters in stream `world` (`run --worlds`): past the run's
/// parameters (below [`PLAY_WORD_OFFSET`]) and its play stream (the next 2^40 words).
const WORLD_WORD_OFFSET: u128 = 1 << 41;

/// The generator that samples the uncertain parameters of world `world` (`run --worlds`):
/// stream `world`, from word 2^41 on, apart from every run's parameters and play.
pub fn world_rng(seed: u64, world: u64) -> RunRng {
    let mut rng = param_rng(seed, world);
    rng.set_word_pos(WORLD_WORD_OFFSET);
    rng
}

/// Words of a run's play stream left to the walk-out draws; the random offer choices
/// (`offer = "random_above"`) read from this many words further on, so that neither moves
/// the other.
pub const CHOICE_WORD_SHIFT: u128 = 1 << 39;

/// The generator of a run's random offer choices, from its fresh play stream `play`
/// ([`play_rng`]): the same stream, [`CHOICE_WORD_SHIFT`] words on.
pub fn choice_rng(play: &RunRng) -> RunRng {
    let mut r = play.clone();
    r.set_word_pos(play.get_word_pos() + CHOICE_WORD_SHIFT);
    r
}

/// Words of a run's play stream from which the legislative protocol's recognition draws (one
/// word per round: who proposes) start: past [`CHOICE_WORD_SHIFT`] and 2^38 words of random
/// offer choices, so that neither the walk-outs nor the choices move them, nor they those.
pub const RECOGNITION_WORD_SHIFT: u128 = CHOICE_WORD_SHIFT + (1 << 38);

/// Words after [`RECOGNITION_WORD_SHIFT`] at which the stationary proposers' coalition draws
/// start, so that the sequence of proposers does not depend on the proposers' strategies.
pub const COALITION_WORD_SHIFT: u128 = RECOGNITION_WORD_SHIFT + (1 << 37);

/// The generator of the legislative protocol's recognition draws, from the fresh play stream
/// `play`: the same stream, [`RECOGNITION_WORD_SHIFT`] words on.
pub fn recognition_rng(play: &RunRng) -> RunRng {
    let mut r = play.clone();
    r.set_word_pos(play.get_word_pos() + RECOGNITION_WORD_SHIFT);
    r
}

/// The generator of the stationary proposers' coalition draws, from the fresh play stream
/// `play`: the same stream, [`COALITION_WORD_SHIFT`] words on.
pub fn coalition_rng(play: &RunRng) -> RunRng {
    let mut r = play.clone();
    r.set_word_pos(play.get_word_pos() + COALITION_WORD_SHIFT);
    r
}

/// A uniform draw in [0, 1) with 53 random bits.
#[inline]
pub fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in (0, 1], safe to take the logarithm of.
#[inline]
pub fn uniform_open0<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw by Box–Muller, always consuming exactly two words.
#[inline]
pub fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1 = uniform_open0(rng);
    let u2 = uniform01(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
