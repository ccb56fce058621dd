/**
 * The lecture's BRAT example: a Russian news sentence about Facebook and The Wall Street
 * Journal with three text-bound annotations. The slide shows `T1 ORG 0 8 Facebook` …
 * `T3 PER 111 142 Дэвид Эберсман (David Ebersman)`; the sentence here was written for
 * seqlab so that those offsets are exact (the slide's own sentence is not reproduced).
 * T2, the newspaper, is typed ORG here.
 *
 *     Facebook готовится к IPO весной 2012 года, сообщает The Wall Street Journal;
 *     подготовкой руководит финдиректор Дэвид Эберсман (David Ebersman).
 *
 * The same two files are test/fixtures/ner/slide (facebook).{txt,ann} (a file name with a
 * space and brackets, as Collection5 has), and test/ner-brat.test.ts checks that they are
 * equal to these strings. Notebook 07 parses it with `parseBrat(SLIDE_EXAMPLE.text,
 * SLIDE_EXAMPLE.ann, SLIDE_EXAMPLE.name)`.
 */

/** The slide's example as the two files' contents (LF line ends). */
export const SLIDE_EXAMPLE = {
  /** The document name (the files are `${name}.txt` and `${name}.ann`). */
  name: "slide (facebook)",
  /** The `.txt` file. */
  text: "Facebook готовится к IPO весной 2012 года, сообщает The Wall Street Journal; подготовкой руководит финдиректор Дэвид Эберсман (David Ebersman).\n",
  /** The `.ann` file. */
  ann: "T1\tORG 0 8\tFacebook\nT2\tORG 56 75\tWall Street Journal\nT3\tPER 111 142\tДэвид Эберсман (David Ebersman)\n",
} as const;
