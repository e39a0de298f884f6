// Bundle-only stand-in for the `string-width` package (esbuild --alias:string-width=...; see the
// Makefile's build target). The real module builds an Intl.Segmenter and Unicode-property regexps
// at import time (~10 ms of every start); yargs and cliui import it only to lay out --help. Here it
// is initialised on the first call instead, and every copy (cliui's 7.x, yargs' 8.x) shares the one
// the project's package.json resolves to. `require` of an ESM file is bundled lazily by esbuild.
let real;
export default function stringWidth(text, options) {
  real ??= require('../../node_modules/string-width/index.js').default;
  return real(text, options);
}
