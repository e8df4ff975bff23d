"""tools/demo.py on the hard demo configs: the set is generated with the
config's ``lvis_demo`` arguments, and runs go where the second stages look
for their first stage.

Before this, a config under configs/demo/hard/ was generated as a 48-class
default-preset set (which stops with "needs 2571 (image, class) pairs") and
trained into work_dirs/demo/<file name>, the default demo baseline's
directory; configs/demo/hard/mask_rcnn_classifier.py loads
work_dirs/demo/hard/mask_rcnn/epoch_2.pth.
"""
import importlib.util
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'demo.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('demo_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_work_dirs_follow_the_config_path():
    demo = load_tool()
    assert demo.default_work_dir('configs/demo/mask_rcnn.py') == \
        osp.join('work_dirs', 'demo', 'mask_rcnn')
    assert demo.default_work_dir(
        osp.join(ROOT, 'configs', 'demo', 'hard', 'mask_rcnn.py')) == \
        osp.join('work_dirs', 'demo', 'hard', 'mask_rcnn')
    assert demo.default_work_dir('/elsewhere/my_demo.py') == \
        osp.join('work_dirs', 'demo', 'my_demo')


def test_hard_config_generates_the_hard_set(tmp_path, monkeypatch, capsys):
    demo = load_tool()

    class Runner:
        def train(self):
            pass

        def test(self):
            return {'lvis/bbox_AP': 0.5}

    built = []
    monkeypatch.setattr(demo, 'build_runner',
                        lambda cfg: built.append(cfg) or Runner())
    root = str(tmp_path / 'hard') + '/'
    monkeypatch.setattr(sys, 'argv', [
        'demo.py', osp.join(ROOT, 'configs', 'demo', 'hard', 'mask_rcnn.py'),
        '--work-dir', str(tmp_path / 'run'), '--cfg-options',
        f'data_root={root}',
        f'test_evaluator.ann_file={root}annotations/lvis_v1_val.json'
    ])
    demo.main()
    with open(osp.join(root, 'annotations', 'lvis_v1_train.json')) as f:
        data = json.load(f)
    assert len(data['categories']) == 48
    assert data['info']['generator']['preset'] == 'hard'
    assert built[0].work_dir == str(tmp_path / 'run')
    assert '0.500' in capsys.readouterr().out
