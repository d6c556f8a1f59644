"""Training benchmark: validation metrics on unseen patients, wall time per stage, peak memory.

Patient split of the data, 20% of patients for validation, no test hold-out, seed 0 (the issue's protocol).
Usage: python benchmarks/train.py --arch efficientnet_lite0 [--size 64] [--pretrained auto] [--epochs-head 1]
       [--epochs-full 4] [--lr X] [--head-width 256] [--data PATH] [--out /tmp/bench_runs]
"""
import argparse, resource, time
from malaria_fastai.train import train
from malaria_fastai.run import read_json
from record import record, stages

def main(arch, size, pretrained, epochs_head, epochs_full, lr, data, out, bs, head_width):
    t = time.perf_counter()
    run = train(data, out, arch, size, bs, epochs_head, epochs_full, lr, valid_pct=0.2, test_pct=0.0, seed=0,
                pretrained=pretrained, head_width=head_width, progress=False)
    wall = time.perf_counter() - t
    m, cfg = read_json(run/'metrics.json'), run.config
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/2**20
    lr_txt = f"{cfg.lr:.2e}" + (' (lr_find valley_slide)' if cfg.lr_find else '')
    epochs = f"{epochs_head}+{epochs_full}" if cfg.pretrained else f"{epochs_full}"
    record(f"Training: {arch}, {'pretrained' if cfg.pretrained else 'from scratch'}, {size} px, {epochs} epochs, head {head_width}",
           f"| valid accuracy | sensitivity | specificity | valid cells | stages | whole command | peak RSS | stage-2 lr |\n"
           f"|---:|---:|---:|---:|---|---:|---:|---|\n"
           f"| {m['accuracy']:.2%} | {m['sensitivity']:.2%} | {m['specificity']:.2%} | {m['valid_cells']:,} | {stages(run)} | "
           f"{wall/60:.1f} min | {peak:.1f} GiB | {lr_txt} |\n\n"
           f"Weights: {cfg.note}. Batch {bs}, head of {head_width} hidden units, " + (f"head lr {cfg.lr_head}, " if cfg.pretrained else '') +
           f"div {cfg.div}; run folder `{run.name}`.")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--arch', default='efficientnet_lite0'); p.add_argument('--size', type=int, default=64)
    p.add_argument('--pretrained', default='auto'); p.add_argument('--epochs-head', type=int, default=1)
    p.add_argument('--epochs-full', type=int, default=4); p.add_argument('--lr', type=float)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--head-width', type=int, default=256)
    p.add_argument('--data'); p.add_argument('--out', default='/tmp/bench_runs')
    main(**vars(p.parse_args()))
