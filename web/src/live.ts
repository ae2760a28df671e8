/** Hooks that keep the hub's live data: the services of /services and the host samples of /system. */
import { useEffect, useState } from "preact/hooks";
import { useHub } from "./app";
import { api } from "./api";
import { command } from "./hub";
import { describe } from "./problem";
import { applyHostedUpdate, applyUpdate, fromStatus, hostedFromStatus, type HostedMap, type ServiceMap } from "./services";
import { appendSample, emptyColumns, type Columns, type SeriesSpec } from "./stats";
import type { Sample, ServiceList, ServiceUpdate } from "./types";

export interface LiveServices {
  services: ServiceMap;
  /** The processes the supervisor runs for other services (MCP server instances), never counted as services. */
  hosted: HostedMap;
  /** Why the list could not be read (no supervisor, no rights), null when it could. */
  error: string | null;
}

/** The services and the hosted processes of a whole list. */
function fromList(list: ServiceList, now: number): LiveServices {
  return { services: fromStatus(list, now), hosted: hostedFromStatus(list, now), error: null };
}

/**
 * Every service and every hosted process: the API's list at once, then `services:status` and
 * `services:update` of the hub.
 */
export function useServices(): LiveServices {
  const hub = useHub();
  const [state, setState] = useState<LiveServices>({ services: new Map(), hosted: new Map(), error: null });
  useEffect(() => {
    let active = true;
    api
      .services()
      .then((list) => active && setState(fromList(list, Date.now())))
      .catch((error) => active && setState((prior) => ({ ...prior, error: describe(error) })));
    const socket = hub.namespace("/services");
    const status = (list: ServiceList) => setState(fromList(list, Date.now()));
    const update = (change: ServiceUpdate) =>
      setState((prior) => {
        const now = Date.now();
        return { ...prior, services: applyUpdate(prior.services, change, now), hosted: applyHostedUpdate(prior.hosted, change, now) };
      });
    socket.on("services:status", status);
    socket.on("services:update", update);
    return () => {
      active = false;
      socket.off("services:status", status);
      socket.off("services:update", update);
    };
  }, [hub]);
  return state;
}

export interface LiveStats {
  latest: Sample | null;
  columns: Columns;
}

/** The host's samples from /system `stats`, the newest `limit` as chart columns of `specs`. */
export function useStats(specs: readonly SeriesSpec[], limit: number): LiveStats {
  const hub = useHub();
  const [state, setState] = useState<LiveStats>({ latest: null, columns: emptyColumns(specs.length) });
  useEffect(() => {
    const socket = hub.namespace("/system");
    const onSample = (sample: Sample) =>
      setState((prior) => ({ latest: sample, columns: appendSample(prior.columns, sample, specs, limit) }));
    socket.on("stats", onSample);
    const stop = hub.whenConnected("/system", (connected) => {
      command(connected, "subscribe:stats").catch(() => undefined);
    });
    return () => {
      stop();
      socket.off("stats", onSample);
      if (socket.connected) {
        socket.emit("unsubscribe:stats");
      }
    };
  }, [hub]);
  return state;
}
