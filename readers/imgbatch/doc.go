// Package imgbatch turns a list of labelled images into the [N,3,H,W] float32 batches an
// image classifier trains and evaluates on: PaddleHub 1.x's ImageClassificationReader
// (paddlehub/reader/cv_reader.py), run on a pool of goroutines so that the trainer does not
// wait for pictures (PaddleHub#933: one Python thread decoding and resizing starved the
// GPU).
//
// # Preprocessing
//
// By default each image goes through PaddleHub's reader recipe: decode (readers/picture),
// resize directly to Width×Height (224×224 unless set) with Pillow's LANCZOS filter, not
// keeping the aspect, then (x/255 - mean)/std per channel with numpy's roundings, and the
// channels permuted (RGB unless set), laid out CHW. The mean and std are PaddleHub's
// defaults, 0 and 1, unless set; its demos pass the module's (ImageNet's) and so should a
// caller fine-tuning a pretrained classifier.
//
// Config.Module replaces that recipe by a module's own inference preprocessing (for
// resnet_v2_50_imagenet: short side to 256, centre crop 224×224), so that a model is
// trained on the same pictures it will be asked about; PaddleHub's reader and the module
// disagree here, which is one reason an image can be classified differently after
// fine-tuning than during it.
//
// Decoding differs from PaddleHub's in two documented ways (see readers/picture): JPEG
// samples are Go's decoder's, not libjpeg's, and a JPEG's EXIF orientation is applied
// where PIL ignores it. After the 224×224 resize, catdog photos come out within 0.4 grey
// levels of real PIL's on average and 3 at most (the tests allow 0.75 and 6); on a
// lossless picture the tensor equals PaddleHub's bit for bit. Pillow resizes palette images with NEAREST
// before converting them to RGB; here every picture is RGB before the resize.
//
// # Cache
//
// Decoding and resizing a photo is most of a picture's cost (about 8 ms for a catdog JPEG
// at 224×224), and a training run decodes the same files every epoch. The reader keeps each
// picture as it comes out of the resize (or the module recipe's resize and crop), before
// augmentation and normalisation, as 8-bit RGB (150 KB at 224×224), so that later epochs,
// and evaluations and predictions through the same Reader, only copy, augment and
// normalise it. Config.CacheBytes bounds the pixels kept: DefaultCacheBytes (1 GiB, about
// 7,100 pictures at 224×224) when 0, nothing with NoCache. The cache fills in the order
// pictures are first read and never evicts: an epoch reads every picture once, so evicting
// the least recently used would miss on every read once the data set outgrows the budget,
// where keeping the first ones still serves a budget's worth of pictures each epoch. A
// cached picture is used only while its file keeps the size and modification time it had
// when it was read, so a file rewritten in between is decoded again. The tensors are the
// same, bit for bit, with and without the cache. Reader.CacheStats tells how full it is and
// how many pictures it served.
//
// # Augmentation
//
// With EpochOptions.Augment every image, after the resize and before the normalisation, gets
// exactly one of five transforms, each chosen with probability 1/5:
//
//   - rotate: by a whole number of degrees uniform in 0..359, anticlockwise about the
//     centre, same size, nearest neighbour, the uncovered corners black (PIL's
//     img.rotate(angle), 16.16 fixed point as Pillow computes it);
//   - brightness: every sample times a factor uniform in [0, 1) (PIL's
//     ImageEnhance.Brightness);
//   - contrast: blended towards the picture's mean grey level by a factor uniform in [0, 1)
//     (ImageEnhance.Contrast);
//   - saturation: blended towards the pixel's own grey level by a factor uniform in [0, 1)
//     (ImageEnhance.Color);
//   - flip: left-right mirror.
//
// These are PaddleHub's transforms and ranges (paddlehub/io/augmentation.py,
// image_random_process with resize and crop disabled, as the reader calls it); the enhance
// factors below 1 only ever darken and flatten, as in PaddleHub. The transforms'
// pixels equal Pillow's (tested against Pillow 10.4).
//
// Where PaddleHub differs, deliberately not reproduced: it picks the transform with
// np.random.randint(0, len(ops)-1), whose upper bound is exclusive, so the last one, the
// flip, is never chosen and the other four each get 1/4; and its image_flip_random, had it
// run, would always have flipped left-right (randint(0, 1) is always 0). PaddleHub also
// augments in every phase once the reader is built with data_augmentation=True,
// evaluation and prediction included, so the same image gives different predictions from
// run to run (PaddleHub#1610); here augmentation is per epoch and the caller turns it on
// for training epochs only. PaddleHub#834 asked what the augmentation does; this section
// is the answer.
//
// # Determinism
//
// An epoch is fixed by (Seed, Epoch): the shuffle is a Fisher–Yates permutation drawn from
// a PCG generator seeded from both, and every augmentation decision of a sample comes from
// its own generator seeded from Seed, Epoch and the sample's index in the example list (not
// its position in the epoch), so neither the number of workers, their scheduling, the
// batch size nor StartBatch changes a single pixel. SampleAugmentation tells which
// transform a sample got. Generators are math/rand/v2's PCG, whose output is specified,
// with this package's own shuffle and range reductions, so the order does not change with
// the Go release either.
//
// # Batches
//
// Epoch returns an Iterator whose Next yields the batches in order: full ones of
// BatchSize, the last one shorter unless DropLast. (PaddleHub's ObjectDetectionReader
// drops it in the train phase; its ImageClassificationReader hands everything to
// paddle.batch, which keeps it; a training loop that wants equal steps sets DropLast.)
// StartBatch skips the first batches without decoding them, so that a resumed run
// continues where it stopped. Decoding and augmentation run on Config.Workers goroutines
// that write straight into the batch's tensor; Config.Prefetch batches are prepared ahead
// of the consumer. Stats says how long the consumer waited in Next (the first batch's
// start-up included), to report the share of a training step spent waiting for data. A
// picture that cannot be read or decoded ends the epoch with an error naming the file (a
// *picture.FileError), never a skip. Batch.Release hands a batch's buffers back for reuse
// by a later batch.
package imgbatch
