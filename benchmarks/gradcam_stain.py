"""Does Grad-CAM point at the parasite? On a run's parasitized test cells, the share whose map peak falls on stained
pixels.

Compares the body's last maps (2x2 at 64 px) with `cam_layer`'s (the deepest stage with maps at least 8x8; and 16x16),
beside chance (the share of the cell the stained pixels cover), and writes the result to BENCHMARKS.md. With --figure,
also a figure of a few cells: the crop with its stained pixels outlined, then each layer's map.

Usage: python benchmarks/gradcam_stain.py RUN [--figure docs/gradcam_layers.png]
"""
import argparse
import numpy as np, pandas as pd, torch
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
from fastai.callback.hook import dummy_eval, hook_output
from malaria_fastai.cellio import load_cell
from malaria_fastai.evaluate import cam_layer, cam_on_stain, gradcam, stain_mask
from malaria_fastai.run import Run, read_json, save_fig
from record import record

def layer_name(model, layer, size:int)->str:
    "A layer's name in the model's body, with the side of its maps"
    with hook_output(layer) as h: dummy_eval(model, (size, size))
    w = h.stored.shape[-1]
    return f"{next(n for n, m in model[0].named_modules() if m is layer) or 'body output'} ({w}x{w})"

def figure(learn, cells:pd.DataFrame, size:int, layers:dict, n:int=8):
    "A few cells: the crop with its stained pixels outlined, then each layer's map for Parasitized"
    xb = learn.dls.test_dl(cells.head(n), with_labels=True, bs=n).one_batch()[0].cpu()
    cams = {k: gradcam(learn.model, xb, 0, l) for k, l in layers.items()}
    fig, axs = plt.subplots(len(layers) + 1, n, figsize=(n*1.3, (len(layers) + 1)*1.45), squeeze=False)
    for j, f in enumerate(cells.file.head(n)):
        img = load_cell(f, size)
        axs[0, j].imshow(img); axs[0, j].contour(stain_mask(img), levels=[.5], colors='lime', linewidths=.8)
        for i, (k, c) in enumerate(cams.items(), 1):
            axs[i, j].imshow(img)
            axs[i, j].imshow(c[j], cmap='jet', alpha=0.45)
    for ax in axs.flat: ax.set_xticks([]); ax.set_yticks([])
    for ax, t in zip(axs[:, 0], ['stained pixels', *layers]):
        ax.set_ylabel(t.split(':')[0].replace(' (', '\n('), fontsize=7)
    fig.suptitle(
        'Grad-CAM for Parasitized on held-out parasitized cells (NIH/NLM malaria cell images, Rajaraman et al. 2018)',
        fontsize=7,
    )
    fig.tight_layout()
    return fig

def main(run:Run, figure_path:str|None=None, near:int=4):
    learn, size = run.learner(n_workers=0), run.config.size
    cells = run.cells('test').query("label == 'Parasitized'").reset_index(drop=True)
    name = lambda l: layer_name(learn.model, l, size)
    deep, shallow = cam_layer(learn.model, size), cam_layer(learn.model, size, min_maps=16)
    layers = {
        name(learn.model[0]): learn.model[0],
        f"{name(deep)}: cam_layer, the default": deep,
        f"{name(shallow)}: cam_layer(min_maps=16)": shallow,
    }
    rows = []
    for k, l in layers.items():
        h = cam_on_stain(learn, cells, size, l, near)
        s = h[h.stained > 0]
        rows.append(f"| {k} | {s.on_stain.mean():.1%} | {s.near_stain.mean():.1%} | {s.chance_near.mean():.1%} |")
    n_stained = int((h.stained > 0).sum())
    if figure_path: save_fig(figure(learn, cells.sample(8, random_state=0), size, layers), figure_path)
    record(
        f"Grad-CAM on stained parasite pixels: {run.config.arch}, {size} px, run {run.name}",
        f"Parasitized cells of the run's held-out test patients: {len(cells):,}; {n_stained:,} have stained "
        f"pixels by `stain_mask`'s colour "
        f"threshold (the rest are left out). The peak of each cell's Grad-CAM map for Parasitized, from each "
        f"layer:\n\n"
        f"| layer | peak on a stained pixel | peak within {near} px of one | chance within {near} px (share of "
        f"the cell) |\n|---|---:|---:|---:|\n"
        + '\n'.join(rows)
        + f"\n\nChance is where a peak placed at random in the cell would land. The run: the README main command's "
        f"configuration, "
        f"validation accuracy {read_json(run / 'metrics.json')['accuracy']:.2%}.",
    )

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Run); p.add_argument('--figure', help='also save a figure of 8 cells here')
    p.add_argument('--near', type=int, default=4, help='pixels from a stained one that still count')
    a = p.parse_args()
    main(a.run, a.figure, a.near)
