"""Blind tokens per second, end to end, next to the scalar-multiplication floor.

Starts three real key holders (``msin keyholder serve``, separate processes, mutual TLS
on loopback) for a 2-of-3 dealing, tokenizes fresh random inputs (no cache hits) with
the node's :class:`msin_fed.tokenizer.Tokenizer` (proofs verified), and times the
ristretto255 scalar multiplications the protocol needs, called directly, in the same run.

Scalar multiplications per token, t = 2 holders, n = batch size:

    node     1   blind                       r * H(x)
             2t  verify each holder's proof  M = sum d_i C_i, Z = sum d_i D_i (ComputeComposites)
             t   combine + unblind           (lambda_j / r) * D_j, Lagrange folded into unblinding
    holders  t   evaluate                    k_j * C_i
             t   prove                       M = sum d_i C_i (ComputeCompositesFast: Z = k_j M)
    per batch, amortized over n: holder 2 + 1 base (Z, t3; t2 = r G); node 3 + 1 base per holder

The floor is the time of exactly those calls to libsodium, one after another on one core;
the machine has ``os.cpu_count()`` cores and node and holders run in parallel, so the
"parallel floor" runs the same multiplications in one thread per core at once, the
stricter baseline. Both floors are timed beside each run, under the same load. Run:

    python bench/tokens.py [--tokens 20000] [--runs 3] [--batch 2048] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import rbcl
from nacl.signing import SigningKey

from msin_fed import oprf, pki, threshold
from msin_fed.keyholder import SignedRoster
from msin_fed.keyholder.roster import Roster, members_from_certificates, write_signed_roster
from msin_fed.tokenizer import HolderEndpoint, Tokenizer

T, N_HOLDERS, EPOCH = 2, 3, 1


def _time_per_call(fn: object, args: tuple[bytes, ...], repeat: int = 1000) -> float:
    best = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn(*args)  # type: ignore[operator]
        best.append((time.perf_counter() - start) / repeat)
    return statistics.median(best)


def scalar_mult_floor(batch: int, t: int = T) -> tuple[float, float, float]:
    """(seconds of scalar multiplication per token, t_mult, t_base), measured now."""
    s = rbcl.crypto_core_ristretto255_scalar_random()
    p = rbcl.crypto_core_ristretto255_random()
    t_mult = _time_per_call(rbcl.crypto_scalarmult_ristretto255, (s, p))
    t_base = _time_per_call(rbcl.crypto_scalarmult_ristretto255_base, (s,))
    per_token = (1 + 2 * t + t) + t * 2  # node + holders
    per_batch_mults = t * 2 + t * 3
    per_batch_base = t * 1 + t * 1
    seconds = per_token * t_mult + (per_batch_mults * t_mult + per_batch_base * t_base) / batch
    return seconds, t_mult, t_base


def parallel_floor_rate(cores: int, tokens: int = 300, t: int = T) -> float:
    """Tokens/s if every core did nothing but the per-token scalar multiplications.

    Runs them in ``cores`` threads at once (libsodium calls release the GIL), so the
    figure sees the same machine load as the end-to-end run beside it.
    """
    s = rbcl.crypto_core_ristretto255_scalar_random()
    p = rbcl.crypto_core_ristretto255_random()
    per_thread = tokens * ((1 + 2 * t + t) + t * 2) // cores

    def work() -> None:
        for _ in range(per_thread):
            rbcl.crypto_scalarmult_ristretto255(s, p)

    threads = [threading.Thread(target=work) for _ in range(cores)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return tokens / (time.perf_counter() - start)


def _roster(member: pki.Identity) -> tuple[SignedRoster, str]:
    """A roster of the bench member (a budget that never binds) signed by T holders, and the pins."""
    keys = {f"kh{j}": SigningKey.generate() for j in range(1, N_HOLDERS + 1)}
    signed = SignedRoster(Roster(1, 10**9, members_from_certificates([(member.name, member.cert_pem)])))
    for j in range(1, T + 1):
        signed = signed.signed_by(f"kh{j}", keys[f"kh{j}"])
    pins = "".join(f'{n} = "{bytes(k.verify_key).hex()}"\n' for n, k in keys.items())
    return signed, pins


def _start_holders(
    work: Path, share_dir: Path, member: pki.Identity
) -> tuple[list[subprocess.Popen[str]], list[str]]:
    procs, targets = [], []
    signed, pins = _roster(member)
    for j in range(1, N_HOLDERS + 1):
        ident = pki.issue(work / "ca", "keyholder", f"kh{j}", work / f"kh{j}")
        config = work / f"kh{j}.toml"
        roster_file = write_signed_roster(signed, work / f"kh{j}-roster.json")
        config.write_text(
            f'listen = "127.0.0.1:0"\nidentity_dir = "{ident}"\ncrl = "{work / "ca" / "crl.pem"}"\n'
            f'share_files = ["{share_dir / f"holder-{j}.share.json"}"]\n'
            "rate_limit_per_second = 100000000\nburst = 100000\n"
            f'workers = 4\nusage_db = "{work / f"kh{j}-usage.db"}"\n'
            f'[roster]\nfile = "{roster_file}"\nthreshold = {T}\n[roster.signers]\n{pins}'
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "msin_fed.cli", "keyholder", "serve", "--config", str(config)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "serving" not in line:
            raise SystemExit(f"key holder {j} did not start: {line!r}")
        procs.append(proc)
        targets.append(line.strip().rsplit(" ", 1)[1])
    return procs, targets


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tokens", type=int, default=20000, help="fresh inputs per run")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=2048, help="elements per key-holder call")
    ap.add_argument("--workers", type=int, default=2, help="batches in flight at the node")
    args = ap.parse_args()

    sk, _ = oprf.derive_key_pair(os.urandom(32), b"bench")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pki.init_ca(work / "ca")
        member = pki.load_identity(pki.issue(work / "ca", "member", "bench-member", work / "m"))
        threshold.write_dealing(threshold.deal(T, N_HOLDERS, EPOCH, secret=sk), work / "deal")
        public = threshold.load_public(work / "deal" / "public.json")
        procs, targets = _start_holders(work, work / "deal", member)
        try:
            endpoints = [HolderEndpoint(f"kh{j}", t) for j, t in enumerate(targets, 1)]
            with Tokenizer(
                endpoints, T, member, public=public, batch_size=args.batch, workers=args.workers
            ) as tok:
                check = [os.urandom(16) for _ in range(8)]
                if tok.tokenize(check) != [oprf.evaluate(sk, x) for x in check]:
                    raise SystemExit("threshold tokens differ from the single-key evaluation")
                tok.tokenize([os.urandom(16) for _ in range(args.batch * args.workers)])
                rates, floors, pfloors = [], [], []
                for _ in range(args.runs):
                    # The floor is timed next to each run, so both see the same machine load.
                    floors.append(scalar_mult_floor(args.batch))
                    pfloors.append(parallel_floor_rate(os.cpu_count() or 1))
                    inputs = [b"phone:" + os.urandom(12).hex().encode() for _ in range(args.tokens)]
                    start = time.perf_counter()
                    tokens = tok.tokenize(inputs)
                    rates.append(len(tokens) / (time.perf_counter() - start))
                failures = dict(tok.failures)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)

    cores = os.cpu_count() or 1
    rate = statistics.median(rates)
    floor_s = statistics.median(f[0] for f in floors)
    t_mult = statistics.median(f[1] for f in floors)
    t_base = statistics.median(f[2] for f in floors)
    floor_rate = 1 / floor_s
    ratios = [r * f[0] for r, f in zip(rates, floors, strict=True)]
    print(f"end to end, 2-of-{N_HOLDERS} over mTLS loopback, proofs verified, fresh inputs:")
    print(f"  runs: {', '.join(f'{r:,.0f}' for r in rates)} tokens/s; median {rate:,.0f} tokens/s")
    print(f"  batch {args.batch}, {args.workers} batches in flight, holder failures: {failures}")
    print(f"scalar multiplication: {t_mult * 1e6:.1f} us (base point {t_base * 1e6:.1f} us)")
    print("  needed per token: 11 (node 7, holders 4) + per-batch proof work amortized")
    print(f"  floor, one core: {floor_s * 1e6:.0f} us/token = {floor_rate:,.0f} tokens/s")
    print(f"  ratio to the floor: median {statistics.median(ratios):.2f} "
          f"(runs {', '.join(f'{x:.2f}' for x in ratios)})")
    pratios = [r / f for r, f in zip(rates, pfloors, strict=True)]
    print(f"  parallel floor, all {cores} cores multiplying (measured, threads): "
          f"{statistics.median(pfloors):,.0f} tokens/s; ratio median {statistics.median(pratios):.2f} "
          f"(runs {', '.join(f'{x:.2f}' for x in pratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
