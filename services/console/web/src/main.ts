// NOTE: stylesheets are imported (Vite emits them as files linked from index.html), never
// injected inline: the console's CSP is style-src 'self'.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import './app.js';
