using System.CommandLine;
using Helix.Webhooks.Load;

var url = new Option<string>("--url") { Description = "Receiver or bare endpoint base URL", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
var secretFile = new Option<FileInfo?>("--secret-file") { Description = "File holding the Standard Webhooks secret (whsec_...)" };
var nats = new Option<string>("--nats") { Description = "NATS URL for the JetStream ceiling", DefaultValueFactory = _ => "nats://127.0.0.1:24222" };
var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once", DefaultValueFactory = _ => 64 };
var duration = new Option<int>("--seconds") { Description = "Measured seconds per run", DefaultValueFactory = _ => 10 };
var rate = new Option<int>("--rate") { Description = "Fixed arrival rate (requests/s) for the latency run; 0 skips it", DefaultValueFactory = _ => 1000 };
var rateSeconds = new Option<int>("--rate-seconds")
{
    Description = "Seconds of the fixed-rate run: long enough to hold the broker's periodic flush to disk (every 2 min in nats-server 2.9)",
    DefaultValueFactory = _ => 150,
};
var warmup = new Option<int>("--warmup") { Description = "Seconds of load before measuring, so the JIT reaches steady state", DefaultValueFactory = _ => 15 };
var port = new Option<int>("--port") { Description = "Port of the bare endpoint", DefaultValueFactory = _ => 5090 };

var receiver = new Command("receiver", "Signed, unique 1 KiB Standard Webhooks deliveries against a receiver: max sustained rate, then a fixed rate")
{
    url, secretFile, concurrency, duration, rate, rateSeconds, warmup,
};
receiver.SetAction((result, ct) => Load.RunReceiverAsync(
    new Uri(result.GetValue(url)!), result.GetValue(secretFile) ?? throw new ArgumentException("--secret-file is required"),
    result.GetValue(concurrency), result.GetValue(duration), result.GetValue(rate), result.GetValue(rateSeconds), TimeSpan.FromSeconds(result.GetValue(warmup)), ct));

var bare = new Command("bare", "The same load against a bare endpoint (H)") { url, concurrency, duration, warmup };
bare.SetAction((result, ct) => Load.RunBareAsync(new Uri(result.GetValue(url)!), result.GetValue(concurrency), result.GetValue(duration), TimeSpan.FromSeconds(result.GetValue(warmup)), ct));

var serveBare = new Command("serve-bare", "A bare Kestrel endpoint: reads the POST body, answers 202") { port };
serveBare.SetAction((result, ct) => BareServer.RunAsync(result.GetValue(port), ct));

var jetstream = new Command("jetstream", "Raw JetStream publish-with-ack of unique 1 KiB messages (J)") { nats, concurrency, duration, warmup };
jetstream.SetAction((result, ct) => JetStreamCeiling.RunAsync(result.GetValue(nats)!, result.GetValue(concurrency), result.GetValue(duration), TimeSpan.FromSeconds(result.GetValue(warmup)), ct));

var streamName = new Option<string>("--name") { Description = "Stream to delete", Required = true };
var deleteStream = new Command("delete-stream", "Removes a stream a benchmark run left behind") { nats, streamName };
deleteStream.SetAction((result, ct) => JetStreamCeiling.DeleteStreamAsync(result.GetValue(nats)!, result.GetValue(streamName)!, ct));

var root = new RootCommand("Helix Webhook Receiver load tool") { receiver, bare, serveBare, jetstream, deleteStream };
return await root.Parse(args).InvokeAsync();
