// First import of the library entry: the library's assets (data/mnist/, models/) sit beside its
// own file, so that folder is the default asset base of its elements. Written through a variable
// because Vite rewrites the literal new URL('...', import.meta.url) form into an asset reference.
import { setAssetBase } from './assets';

const here = import.meta.url;
setAssetBase(new URL('./', here).href);
