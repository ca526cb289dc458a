// Package serving serves installed modules over HTTP with PaddleHub Serving's API
// (PaddleHub 2.x's `hub serving start`): POST /predict/<module> with a JSON body, answered
// with {"msg": ..., "results": ..., "status": ...}, and GET /get/modules.
//
// Unlike PaddleHub's Flask server, one process serves every module with all cores busy:
// each module's predictors share their weights (hub.WithThreads), and requests that arrive
// together are run as one batch (dynamic batching, up to Config.MaxBatchSize inputs and
// Config.MaxBatchWait). Beyond Config.MaxQueue waiting requests a module answers 503
// rather than queue without bound; every request has a deadline (Config.Timeout). The
// server also answers /healthz, /readyz (200 once every module has loaded) and /metrics
// (Prometheus), and Shutdown finishes the requests in flight.
//
// PaddleHub 1.x's form routes are served too, for its clients: POST /predict/text/<module>
// (lac's texts in form fields "text") and POST /predict/image/<module> (pictures as
// multipart files "image", or fields "image" holding data: URLs), answered as 1.x answers
// them: status "0" or "-1", and for pictures the results as the Python literal 1.x's
// clients eval. Their requests share the JSON route's batches, queue and timeouts. A user
// dictionary is the module's (init_args' user_dict): one posted with a request, 1.x's
// "user_dict" file, is ignored, as PaddleHub's lac ignores it.
//
// Each picture is decoded once, by the module: the server only checks its first bytes.
//
// A request's batch_size and use_gpu are accepted and left to the server, which batches
// across requests (Config.MaxBatchSize) and places the modules (Config.UseGPU).
//
// Status codes are PaddleHub 2.x's, in the body as strings: "000" success, "101" the
// prediction failed (bad field, undecodable image, full queue, timeout), "111" no such
// module, "112" the body is not JSON (Config.LegacyStatus: 1.x's "0" and "-1"). Unlike PaddleHub, which answers every request with
// HTTP 200, the HTTP status says the same (400, 404, 413, 503, 504), so that load balancers
// and metrics see failures; clients that read the body work either way.
package serving
