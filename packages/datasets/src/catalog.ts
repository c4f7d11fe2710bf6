/** One file of a named set: where it lives and the SHA-256 it must have. */
export interface RemoteFile {
  readonly url: string;
  readonly sha256: string;
  /** Size in bytes, where a reference records it. */
  readonly bytes?: number;
}

/** A named data set: its canonical files and where they, their checksums and their terms come from. */
export interface CatalogEntry {
  readonly title: string;
  readonly homepage: string;
  /** The terms the data are distributed under, as their source states them. */
  readonly license: string;
  /** The reference the checksums were taken from. */
  readonly checksums: string;
  readonly files: Readonly<Record<string, RemoteFile>>;
}

const CVDF = 'https://storage.googleapis.com/cvdf-datasets/mnist/';
const KERAS = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/';
const FIGSHARE = 'https://ndownloader.figshare.com/files/';

/**
 * The named sets, as data: canonical URLs and SHA-256 sums from TensorFlow Datasets' `url_checksums`,
 * Keras' `datasets` and scikit-learn's fetchers. Loaders refuse bytes whose digest differs.
 */
export const CATALOG = {
  mnist: {
    title: 'MNIST handwritten digits (LeCun, Cortes & Burges)',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    license: 'CC BY-SA 3.0 (Yann LeCun and Corinna Cortes hold the copyright)',
    checksums: 'tensorflow/datasets: tensorflow_datasets/url_checksums/mnist.txt',
    files: {
      trainImages: {
        url: `${CVDF}train-images-idx3-ubyte.gz`,
        sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
        bytes: 9912422,
      },
      trainLabels: {
        url: `${CVDF}train-labels-idx1-ubyte.gz`,
        sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
        bytes: 28881,
      },
      testImages: {
        url: `${CVDF}t10k-images-idx3-ubyte.gz`,
        sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
        bytes: 1648877,
      },
      testLabels: {
        url: `${CVDF}t10k-labels-idx1-ubyte.gz`,
        sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
        bytes: 4542,
      },
    },
  },
  fashionMnist: {
    title: 'Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research)',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    license: 'MIT (Copyright © 2017 Zalando SE)',
    checksums:
      'tensorflow/datasets: url_checksums/fashion_mnist.txt; keras: keras/src/datasets/fashion_mnist.py',
    files: {
      trainImages: {
        url: `${KERAS}train-images-idx3-ubyte.gz`,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
        bytes: 26421880,
      },
      trainLabels: {
        url: `${KERAS}train-labels-idx1-ubyte.gz`,
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
        bytes: 29515,
      },
      testImages: {
        url: `${KERAS}t10k-images-idx3-ubyte.gz`,
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
        bytes: 4422102,
      },
      testLabels: {
        url: `${KERAS}t10k-labels-idx1-ubyte.gz`,
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
        bytes: 5148,
      },
    },
  },
  cifar10: {
    title: 'CIFAR-10, binary version (Krizhevsky 2009)',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    license:
      'no licence stated; cite Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009',
    checksums: 'tensorflow/datasets: url_checksums/cifar10.txt',
    files: {
      archive: {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
        bytes: 170052171,
      },
    },
  },
  cifar100: {
    title: 'CIFAR-100, binary version (Krizhevsky 2009)',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    license:
      'no licence stated; cite Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009',
    checksums: 'tensorflow/datasets: url_checksums/cifar100.txt',
    files: {
      archive: {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
        bytes: 168513733,
      },
    },
  },
  olivettiFaces: {
    title: 'Olivetti faces (AT&T Laboratories Cambridge), as scikit-learn distributes them',
    homepage: 'https://cam-orl.co.uk/facedatabase.html',
    license: 'free for research; "please give credit to AT&T Laboratories Cambridge"',
    checksums: 'scikit-learn: sklearn/datasets/_olivetti_faces.py',
    files: {
      mat: {
        url: `${FIGSHARE}5976027`,
        sha256: 'b612fb967f2dc77c9c62d3e1266e0c73d5fca46a4b8906c18e454d41af987794',
      },
    },
  },
  lfw: {
    title: 'Labeled Faces in the Wild, funneled (Huang et al., UMass TR 07-49, 2007)',
    homepage: 'http://vis-www.cs.umass.edu/lfw/',
    license: 'no licence stated; cite Huang, Ramesh, Berg & Learned-Miller, UMass Amherst TR 07-49, 2007',
    checksums: 'scikit-learn: sklearn/datasets/_lfw.py',
    files: {
      funneled: {
        url: `${FIGSHARE}5976015`,
        sha256: 'b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a',
      },
    },
  },
} as const satisfies Record<string, CatalogEntry>;

export type CatalogName = keyof typeof CATALOG;
