import { render } from "preact";
import { App } from "./app";
import { pageTheme } from "./theme";
import "./styles.css";

// the stored theme before the first paint of the app
pageTheme();
render(<App />, document.getElementById("app")!);
