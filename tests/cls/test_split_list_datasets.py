import os.path as osp

import pytest

pytest.importorskip('mmpretrain')

from lt_mm.cls.datasets import (INaturalist2018, ImageNetLT,  # noqa: E402
                                PlacesLT)
from lt_mm.datasets import dataset_class_statistics  # noqa: E402


def test_imagenet_lt_reads_its_list_file(tmp_path):
    (tmp_path / 'ImageNet_LT_train.txt').write_text(
        'train/n01440764/a.JPEG 0\n'
        'train/n01440764/b.JPEG 0\n'
        '\n'
        'train/n01443537/c.JPEG 1\n'
        'train/n15075141/d.JPEG 999\n')
    dataset = ImageNetLT(data_root=str(tmp_path), split='train')
    assert len(dataset) == 4
    assert len(dataset.metainfo['classes']) == 1000
    info = dataset.get_data_info(3)
    assert info['img_path'] == osp.join(
        str(tmp_path), 'train/n15075141/d.JPEG')
    assert info['gt_label'] == 999
    counts = dataset_class_statistics(dataset).instance_counts
    assert counts[:2].tolist() == [2, 1] and counts[999] == 1
    assert counts.sum() == 4
    assert not dataset.test_mode


def test_split_picks_the_list_and_ann_file_overrides(tmp_path):
    (tmp_path / 'Places_LT_test.txt').write_text('/a/airfield/1.jpg 3\n')
    (tmp_path / 'mine.txt').write_text('x.jpg 364\n')
    test = PlacesLT(data_root=str(tmp_path), split='test')
    assert test.test_mode
    assert len(test.metainfo['classes']) == 365
    # A leading '/' is relative to the root all the same.
    assert test.get_data_info(0)['img_path'] == osp.join(
        str(tmp_path), 'a/airfield/1.jpg')
    custom = PlacesLT(data_root=str(tmp_path), ann_file='mine.txt')
    assert custom.get_data_info(0)['gt_label'] == 364


def test_inaturalist_list(tmp_path):
    (tmp_path / 'iNaturalist18_val.txt').write_text(
        'train_val2018/Plantae/7477/x.jpg 7477\n')
    dataset = INaturalist2018(data_root=str(tmp_path), split='val')
    assert len(dataset.metainfo['classes']) == 8142
    assert dataset.get_data_info(0)['gt_label'] == 7477
    with pytest.raises(ValueError, match="not 'test'"):
        INaturalist2018(data_root=str(tmp_path), split='test')


@pytest.mark.parametrize('line, message', [
    ('train/a.JPEG 1000', 'label 1000 is outside the 1000 classes'),
    ('train/a.JPEG', 'expected "path label"'),
    ('train/a.JPEG cat', 'expected "path label"'),
])
def test_bad_lines_are_named(tmp_path, line, message):
    (tmp_path / 'ImageNet_LT_val.txt').write_text(f'ok.JPEG 0\n{line}\n')
    with pytest.raises(ValueError, match=message) as error:
        ImageNetLT(data_root=str(tmp_path), split='val')
    assert 'ImageNet_LT_val.txt:2' in str(error.value)


def test_empty_list_is_an_error(tmp_path):
    (tmp_path / 'ImageNet_LT_test.txt').write_text('\n')
    with pytest.raises(ValueError, match='lists no images'):
        ImageNetLT(data_root=str(tmp_path), split='test')
