// first: takes a first-start link's one-time code out of the address bar before anything else runs
import "./link";
import { render } from "preact";
import { App } from "./app";
import { pageTheme } from "./theme";
import "./styles.css";

// the stored theme before the first paint of the app
pageTheme();
render(<App />, document.getElementById("app")!);
