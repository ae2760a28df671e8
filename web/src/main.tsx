// first: takes a first-start link's one-time code out of the address bar before anything else runs
import "./link";
import { render } from "preact";
import { App } from "./app";
import "./styles.css";

render(<App />, document.getElementById("app")!);
