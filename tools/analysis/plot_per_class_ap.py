"""Plot per-class AP against the number of training images (the long tail).

    python tools/analysis/plot_per_class_ap.py TABLE [TABLE ...] --out FIG.png
        [--metric AP|AP50] [--title TEXT]

TABLE is a per-class table that lt_mm.LVISMetric writes with
``per_class_prefix`` (``{prefix}_bbox.csv`` / ``.json``, or ``_segm``). Each
class is a point at its training image count (log x), coloured by its LVIS
frequency group (rare / common / frequent); the dashed line of a group's
colour spans the group and marks its mean AP (= APr / APc / APf). Several
tables give one panel each, side by side. Classes without ground truth in the
evaluated images (no AP) are left out.
"""
import argparse
import math
import os
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from lt_mm.core.evaluation.per_class_ap import (  # noqa: E402
    group_means, read_per_class_table)

GROUPS = dict(r=('rare', '#d62728'), c=('common', '#ff7f0e'),
              f=('frequent', '#1f77b4'))


def plot_panel(ax, rows, metric='AP', title=None):
    """Scatter of one table on ``ax``; returns the group means."""
    means = group_means(rows, metric)
    for group, (name, colour) in GROUPS.items():
        pts = [(max(r['image_count'], 1), r[metric]) for r in rows
               if r['frequency'] == group and not math.isnan(r[metric])]
        if not pts:
            continue
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=10, alpha=0.6, color=colour,
                   label=f'{name} ({len(pts)}): {metric} {means[group]:.3f}')
        ax.hlines(means[group], min(xs), max(xs), colors=colour,
                  linestyles='--', linewidth=2)
    ax.set_xscale('log')
    ax.set_xlabel('training images containing the class (log)')
    ax.set_ylabel(f'per-class {metric}')
    top = max([r[metric] for r in rows if not math.isnan(r[metric])],
              default=1.0)
    ax.set_ylim(-0.02, min(1.02, 1.15 * top + 0.02))
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(loc='upper left', fontsize=8)
    if title:
        ax.set_title(title)
    return means


def plot_per_class_ap(tables, out, metric='AP', title=None):
    """Draw one panel per table and save the figure to ``out``."""
    fig, axes = plt.subplots(1, len(tables), figsize=(6 * len(tables), 4.5),
                             squeeze=False)
    for ax, path in zip(axes[0], tables):
        rows = read_per_class_table(path)
        if not rows:
            raise ValueError(f'{path}: the table has no classes')
        plot_panel(ax, rows, metric,
                   title or osp.splitext(osp.basename(path))[0])
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def parse_args(args=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('tables', nargs='+',
                        help='per-class .csv or .json tables of LVISMetric')
    parser.add_argument('--out', required=True, help='output PNG path')
    parser.add_argument('--metric', default='AP', choices=['AP', 'AP50'])
    parser.add_argument('--title', help='panel title (default: file name)')
    return parser.parse_args(args)


def main(args=None):
    args = parse_args(args)
    out = plot_per_class_ap(args.tables, args.out, args.metric, args.title)
    print(f'saved {out}')


if __name__ == '__main__':
    main()
