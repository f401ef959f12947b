using System.CommandLine;
using Helix.Remediation.Load;

var commits = new Option<int>("--commits") { Description = "Commits in the GitOps repository before the first rollback", DefaultValueFactory = _ => 10_000 };
var rollbacks = new Option<int>("--rollbacks") { Description = "Rollbacks measured (the first, cold, is reported apart)", DefaultValueFactory = _ => 21 };
var seconds = new Option<int>("--seconds") { Description = "Measured seconds of duplicate alerts", DefaultValueFactory = _ => 10 };
var warmup = new Option<int>("--warmup") { Description = "Seconds of duplicates before measuring", DefaultValueFactory = _ => 5 };
var concurrency = new Option<int>("--concurrency") { Description = "Duplicate alert requests in flight", DefaultValueFactory = _ => 32 };
var service = new Option<FileInfo>("--service") { Description = "The service's built Helix.Remediation.dll", Required = true };

var root = new RootCommand("Remediation Service benchmark: signal to pull request request, and ignored duplicates per second")
{
    commits, rollbacks, seconds, warmup, concurrency, service,
};
root.SetAction((result, ct) => Bench.RunAsync(new BenchOptions(
    result.GetValue(service)!, result.GetValue(commits), result.GetValue(rollbacks), result.GetValue(seconds), result.GetValue(warmup), result.GetValue(concurrency)), ct));
return await root.Parse(args).InvokeAsync();
