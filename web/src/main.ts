// Entry point of the playground page: registers the custom elements. The page itself is one
// <cnn-playground> in index.html.
import './ui/cnn-playground';
