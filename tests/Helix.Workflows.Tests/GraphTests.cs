using System.Collections.Concurrent;
using System.Text.Json;
using Helix.Testing;

namespace Helix.Workflows.Tests;

public sealed record Counter
{
    public int Count { get; init; }

    public List<string> Trail { get; init; } = [];

    public string? Answer { get; init; }
}

public sealed record Research
{
    public List<string> Urls { get; init; } = [];

    public List<string> Summaries { get; init; } = [];

    public string? Report { get; init; }
}

/// <summary>The graph API and its durable execution, on the harness's PostgreSQL through PgBouncer.</summary>
[Collection(PostgresDependency.Name)]
public sealed class GraphTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IWorkflow Linear(string name, int nodes, ConcurrentDictionary<string, int>? calls = null)
    {
        var graph = Workflow.Create<Counter>(name).Reduce(s => s.Trail, Reducers.Append);
        for (var i = 0; i < nodes; i++)
        {
            var node = $"n{i}";
            graph.AddNode(node, (_, state) =>
            {
                calls?.AddOrUpdate(node, 1, (_, c) => c + 1);
                return Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1).Set(s => s.Trail, [node]));
            });
            graph.AddEdge(i == 0 ? Workflow.Start : $"n{i - 1}", node);
        }
        return graph.AddEdge($"n{nodes - 1}", Workflow.End).Build();
    }

    [Fact]
    public async Task ALinearGraph_RunsInSteps_AndEachStepStoresOnlyItsWrites()
    {
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 3)]);

        var (id, outcome) = await engine.RunAsync("linear", new Counter { Count = 10 });

        Assert.Equal(RunOutcome.Completed, outcome);
        var run = await engine.Store.GetAsync(id, Ct);
        Assert.Equal(RunStatus.Completed, run!.Status);
        Assert.Equal(3, run.Step);
        var output = run.Output.Deserialize<Counter>(Workflow.Json)!;
        Assert.Equal(13, output.Count);
        Assert.Equal(["n0", "n1", "n2"], output.Trail);
        var steps = await engine.Store.StepsAsync(id, Ct);
        Assert.Equal([0, 1, 2, 3], steps.Select(s => s.Step));
        var second = Assert.Single(steps[2].Tasks);
        Assert.Equal("n1", second.Node);
        Assert.Equal("""[["count",12],["trail",["n1"]]]""", second.Writes!.ToJsonString()); // the delta, not the state
    }

    [Fact]
    public async Task AFanOut_RunsItsBranchesInOneStep_AndTheJoinSeesAllTheirWrites_InAStableOrder()
    {
        var research = Workflow.Create<Research>("fanout")
            .Reduce(s => s.Summaries, Reducers.Append)
            .AddNode("plan", (_, _) => Task.FromResult(new Update<Research>().Set(s => s.Urls, ["u1", "u2", "u3", "u4", "u5"])))
            .AddEdge(Workflow.Start, "plan")
            .AddConditionalEdges("plan", state => state.Urls.Select(u => Route.Send("summarize", u)))
            .AddNode("summarize", async (context, _) =>
            {
                var url = context.GetInput<string>();
                await Task.Delay(url == "u1" ? 50 : 1, context.CancellationToken); // the first finishes last
                return new Update<Research>().Set(s => s.Summaries, [$"summary of {url}"]);
            })
            .AddEdge("summarize", "combine")
            .AddNode("combine", (_, state) => Task.FromResult(new Update<Research>().Set(s => s.Report, string.Join(" | ", state.Summaries))))
            .AddEdge("combine", Workflow.End)
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [research]);

        var (id, outcome) = await engine.RunAsync("fanout");

        Assert.Equal(RunOutcome.Completed, outcome);
        var output = (await engine.Store.GetAsync(id, Ct))!.Output.Deserialize<Research>(Workflow.Json)!;
        Assert.Equal("summary of u1 | summary of u2 | summary of u3 | summary of u4 | summary of u5", output.Report);
        var steps = await engine.Store.StepsAsync(id, Ct);
        Assert.Equal(5, steps[2].Tasks.Count);
        Assert.Equal("summarize:0000", steps[2].Tasks[0].TaskId);
        Assert.Single(steps[3].Tasks); // combine ran once
    }

    [Fact]
    public async Task ConditionalEdges_LoopUntilTheStateSaysStop()
    {
        var loop = Workflow.Create<Counter>("loop")
            .AddNode("tick", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1)))
            .AddEdge(Workflow.Start, "tick")
            .AddConditionalEdges("tick", state => [state.Count < 5 ? "tick" : Workflow.End])
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [loop]);

        var (id, outcome) = await engine.RunAsync("loop");

        Assert.Equal(RunOutcome.Completed, outcome);
        var run = await engine.Store.GetAsync(id, Ct);
        Assert.Equal(5, run!.Output!["count"]!.GetValue<int>());
        Assert.Equal(5, run.Step);
    }

    [Fact]
    public async Task AnEdgeThatThrows_FailsTheRunWithTheError_InsteadOfLeavingItRunning()
    {
        var edgy = Workflow.Create<Counter>("edgy")
            .AddNode("tick", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1)))
            .AddEdge(Workflow.Start, "tick")
            .AddConditionalEdges("tick", state => state.Count > 0 ? throw new InvalidOperationException("the edge has a bug") : [Workflow.End])
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [edgy]);

        var (id, outcome) = await engine.RunAsync("edgy");

        Assert.Equal(RunOutcome.Failed, outcome);
        var run = (await engine.Store.GetAsync(id, Ct))!;
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("after step 1 the workflow's edges threw InvalidOperationException: the edge has a bug", run.Error);
        Assert.Equal(run.Error, outcome.Error); // the outcome says what the run's record says
        Assert.Equal(RunOutcome.NotClaimed, await engine.OtherWorker().RunAsync(id, Ct)); // nothing left for the sweeper: it stays failed
        Assert.Equal(RunStatus.Failed, (await engine.Store.GetAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task ATransientError_IsRetriedWithBackoff_AndABug_FailsTheRunAtOnce_WithTheReason()
    {
        var attempts = 0;
        var flaky = Workflow.Create<Counter>("flaky")
            .AddNode("call", (context, _) =>
            {
                attempts++;
                return context.Attempt < 3 ? throw new HttpRequestException("503 from the partner") : Task.FromResult(new Update<Counter>().Set(s => s.Answer, "ok"));
            }, new NodeOptions { Retry = RetryPolicy.Default with { InitialBackoff = TimeSpan.FromMilliseconds(1) } })
            .AddEdge(Workflow.Start, "call")
            .Build();
        var broken = Workflow.Create<Counter>("broken")
            .AddNode("bug", (_, _) => throw new InvalidOperationException("the node has a bug"))
            .AddEdge(Workflow.Start, "bug")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [flaky, broken]);

        Assert.Equal(RunOutcome.Completed, (await engine.RunAsync("flaky")).Outcome);
        Assert.Equal(3, attempts);

        var (id, outcome) = await engine.RunAsync("broken");
        Assert.Equal(RunOutcome.Failed, outcome);
        Assert.Equal("node 'bug' (bug) failed after 1 attempt(s): InvalidOperationException: the node has a bug", outcome.Error);
        Assert.Equal(outcome.Error, (await engine.Store.GetAsync(id, Ct))!.Error);
    }

    [Fact]
    public async Task ANodeOverItsTimeLimit_IsCancelled_AndRetried_ThenFails()
    {
        var slow = Workflow.Create<Counter>("slow")
            .AddNode("wait", async (context, _) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
                return new Update<Counter>();
            }, new NodeOptions { Timeout = TimeSpan.FromMilliseconds(100), Retry = RetryPolicy.Default with { MaxAttempts = 2, InitialBackoff = TimeSpan.FromMilliseconds(1) } })
            .AddEdge(Workflow.Start, "wait")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [slow]);

        var (id, outcome) = await engine.RunAsync("slow");

        Assert.Equal(RunOutcome.Failed, outcome);
        Assert.Contains("failed after 2 attempt(s): TimeoutException: node 'wait' took longer than 00:00:00.1000000", (await engine.Store.GetAsync(id, Ct))!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInterrupt_ParksTheRun_AndResumingWithAValue_FinishesIt()
    {
        var approvals = 0;
        var review = Workflow.Create<Counter>("review")
            .AddNode("draft", (_, _) => Task.FromResult(new Update<Counter>().Set(s => s.Answer, "draft")))
            .AddEdge(Workflow.Start, "draft")
            .AddNode("approve", (context, state) =>
            {
                approvals++;
                var verdict = context.Interrupt<string>(new { question = "publish?", draft = state.Answer });
                return Task.FromResult(new Update<Counter>().Set(s => s.Answer, $"{state.Answer}: {verdict}"));
            })
            .AddEdge("draft", "approve")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [review]);

        var (id, outcome) = await engine.RunAsync("review");

        Assert.Equal(RunOutcome.Interrupted, outcome);
        var parked = await engine.Store.GetAsync(id, Ct);
        Assert.Equal(RunStatus.Interrupted, parked!.Status);
        Assert.Equal("approve", parked.Interrupt!["task"]!.GetValue<string>());
        Assert.Equal("publish?", parked.Interrupt["payload"]!["question"]!.GetValue<string>());
        Assert.Equal(RunOutcome.NotClaimed, await engine.Runner.RunAsync(id, Ct)); // parked runs wait for a person

        Assert.True(await engine.Store.ResumeAsync(id, JsonSerializer.SerializeToNode("approved"), Ct));
        Assert.False(await engine.Store.ResumeAsync(id, null, Ct)); // only an interrupted run resumes
        Assert.Equal(RunOutcome.Completed, await engine.Runner.RunAsync(id, Ct));

        Assert.Equal("draft: approved", (await engine.Store.GetAsync(id, Ct))!.Output!["answer"]!.GetValue<string>());
        Assert.Equal(2, approvals); // the node ran again from its start, the second time with the value
    }

    [Fact]
    public async Task ASubgraph_RunsAsAChildRun_OnceEvenWhenItsTaskRunsAgain()
    {
        var childRuns = 0;
        var child = Workflow.Create<Counter>("child")
            .AddNode("double", (_, state) =>
            {
                Interlocked.Increment(ref childRuns);
                return Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count * 2));
            })
            .AddEdge(Workflow.Start, "double")
            .Build();
        var attempts = 0;
        var parent = Workflow.Create<Counter>("parent")
            .AddSubgraph("sub", child, state => new Counter { Count = state.Count }, (_, result) =>
            {
                if (++attempts == 1)
                {
                    throw new TimeoutException("the parent's task fails after its child finished");
                }
                return new Update<Counter>().Set(s => s.Count, result.Count);
            }, new NodeOptions { Retry = RetryPolicy.Default with { InitialBackoff = TimeSpan.FromMilliseconds(1) } })
            .AddEdge(Workflow.Start, "sub")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [parent, child]);

        var (id, outcome) = await engine.RunAsync("parent", new Counter { Count = 21 });

        Assert.True(outcome == RunOutcome.Completed, (await engine.Store.GetAsync(id, Ct))!.Error);
        Assert.Equal(42, (await engine.Store.GetAsync(id, Ct))!.Output!["count"]!.GetValue<int>());
        Assert.Equal(1, childRuns);
        var children = await engine.Store.ListAsync(new RunQuery { Workflow = "child" }, Ct);
        Assert.Equal(id, Assert.Single(children).ParentId);
    }

    [Fact]
    public async Task ASubgraphThatAsksAPerson_ParksItsParent_AndResumingChildThenParent_FinishesBoth()
    {
        var child = Workflow.Create<Counter>("approval")
            .AddNode("ask", (context, state) => Task.FromResult(new Update<Counter>().Set(s => s.Answer, context.Interrupt<string>(new { question = "ok?" }))))
            .AddEdge(Workflow.Start, "ask")
            .Build();
        var parent = Workflow.Create<Counter>("with-approval")
            .AddSubgraph("approve", child, _ => new Counter(), (_, result) => new Update<Counter>().Set(s => s.Answer, $"approved: {result.Answer}"))
            .AddEdge(Workflow.Start, "approve")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [parent, child]);

        var (id, outcome) = await engine.RunAsync("with-approval");

        Assert.Equal(RunOutcome.Interrupted, outcome);
        var parked = (await engine.Store.GetAsync(id, Ct))!;
        var childId = Guid.Parse(parked.Interrupt!["payload"]!["childRun"]!.GetValue<string>());
        Assert.Equal("ok?", parked.Interrupt["payload"]!["interrupt"]!["payload"]!["question"]!.GetValue<string>());
        Assert.True(await engine.Store.ResumeAsync(childId, JsonSerializer.SerializeToNode("yes"), Ct));
        Assert.Equal(RunOutcome.Completed, await engine.Runner.RunAsync(childId, Ct));
        Assert.True(await engine.Store.ResumeAsync(id, null, Ct));
        Assert.Equal(RunOutcome.Completed, await engine.Runner.RunAsync(id, Ct));
        Assert.Equal("approved: yes", (await engine.Store.GetAsync(id, Ct))!.Output!["answer"]!.GetValue<string>());
    }

    [Fact]
    public async Task TimeTravel_StartsANewRunFromAChosenStep_AndLeavesTheOriginal()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 4, calls)]);
        var (id, _) = await engine.RunAsync("linear");

        var fork = await engine.Runner.ForkAsync(id, 2, Ct);
        Assert.Equal(RunOutcome.Completed, await engine.Runner.RunAsync(fork, Ct));

        var forked = (await engine.Store.GetAsync(fork, Ct))!;
        Assert.Equal((id, 2), (forked.ParentId!.Value, forked.ParentStep!.Value));
        Assert.Equal(["n0", "n1", "n2", "n3"], forked.Output.Deserialize<Counter>(Workflow.Json)!.Trail);
        Assert.Equal(2, calls["n2"]); // n2 and n3 ran again; n0 and n1 did not
        Assert.Equal(1, calls["n0"]);
        Assert.Equal(RunStatus.Completed, (await engine.Store.GetAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task AGrowingState_IsStoredAsDeltas_WithASnapshotEverySoManySteps()
    {
        var grow = Workflow.Create<Counter>("grow")
            .Reduce(s => s.Trail, Reducers.Append)
            .AddNode("add", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1).Set(s => s.Trail, [new string('x', 100)])))
            .AddEdge(Workflow.Start, "add")
            .AddConditionalEdges("add", state => [state.Count < 200 ? "add" : Workflow.End])
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [grow], compactEvery: 50);

        var (id, outcome) = await engine.RunAsync("grow");

        Assert.Equal(RunOutcome.Completed, outcome);
        var stored = await engine.Store.StoredBytesAsync(id, Ct);
        // The whole state at every step would be about 200 * 200 * 100 / 2 = 2 MB; deltas are ~200 * 130 B,
        // plus snapshots at steps 0, 50, 100 and 150 and the final state as the run's output.
        Assert.InRange(stored, 1, 250_000);
        var state = await engine.Store.StateAtAsync(id, 137, grow, Ct);
        Assert.Equal(137, state["count"]!.GetValue<int>());
        Assert.Equal(137, state["trail"]!.AsArray().Count);
        // The last step has no snapshot of its own: its state is rebuilt from step 150's and equals the output.
        var last = await engine.Store.StateAtAsync(id, 200, grow, Ct);
        Assert.Equal(200, last["trail"]!.AsArray().Count);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals((await engine.Store.GetAsync(id, Ct))!.Output, last));
    }

    [Fact]
    public async Task TwoWorkers_NeverRunTheSameRunAtOnce()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 5, calls)]);
        var (id, _) = await engine.Runner.CreateAsync("linear", null, null, Ct);

        var outcomes = await Task.WhenAll(engine.Runner.RunAsync(id, Ct), engine.OtherWorker().RunAsync(id, Ct));

        Assert.Contains(RunOutcome.Completed, outcomes);
        Assert.All(calls.Values, c => Assert.Equal(1, c));
        Assert.Equal(5, (await engine.Store.GetAsync(id, Ct))!.Output!["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task StartingARunHere_RecordsItAlreadyClaimed_AndRunsIt_AndTheSameKeyAgainRunsNothingNew()
    {
        var calls = new ConcurrentDictionary<string, int>();
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 2, calls)]);

        var (id, outcome) = await engine.Runner.StartAsync("linear", null, "key-1", Ct);
        var (again, second) = await engine.Runner.StartAsync("linear", null, "key-1", Ct);

        Assert.Equal(RunOutcome.Completed, outcome);
        Assert.Equal((id, RunOutcome.NotClaimed), (again, second)); // it ended already
        Assert.Equal(2, (await engine.Store.GetAsync(id, Ct))!.Output!["count"]!.GetValue<int>());
        Assert.All(calls.Values, c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task TheSameSourceKey_IsOneRun()
    {
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 1)]);
        var first = await engine.Runner.CreateAsync("linear", null, "github:delivery-1", Ct);
        var again = await engine.Runner.CreateAsync("linear", null, "github:delivery-1", Ct);
        Assert.True(first.Created);
        Assert.Equal((first.Id, false), again);
    }

    [Fact]
    public async Task ACancelledRun_StopsAtItsNextStep()
    {
        var started = new TaskCompletionSource();
        var slow = Workflow.Create<Counter>("slow")
            .AddNode("wait", async (context, state) =>
            {
                started.TrySetResult();
                await Task.Delay(TimeSpan.FromMilliseconds(300), context.CancellationToken);
                return new Update<Counter>().Set(s => s.Count, state.Count + 1);
            })
            .AddEdge(Workflow.Start, "wait")
            .AddConditionalEdges("wait", _ => ["wait"])
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [slow]);
        var (id, _) = await engine.Runner.CreateAsync("slow", null, null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await started.Task;
        Assert.True(await engine.Store.CancelAsync(id, Ct));

        Assert.Equal(RunOutcome.Cancelled, await running);
        Assert.Equal(RunStatus.Cancelled, (await engine.Store.GetAsync(id, Ct))!.Status);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(49)] // around a snapshot step, which commits by another statement
    [InlineData(50)]
    [InlineData(120)]
    public async Task ACancelledRunOfQuickSteps_CommitsNoStepOnceTheCancelHasReturned(int cancelAfter)
    {
        var going = new TaskCompletionSource();
        var loop = Workflow.Create<Counter>("loop")
            .AddNode("tick", (_, state) =>
            {
                if (state.Count == cancelAfter)
                {
                    going.TrySetResult();
                }
                return Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1));
            })
            .AddEdge(Workflow.Start, "tick")
            .AddConditionalEdges("tick", _ => ["tick"]) // never ends by itself
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [loop]);
        var (id, _) = await engine.Runner.CreateAsync("loop", null, null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await going.Task;
        Assert.True(await engine.Store.CancelAsync(id, Ct));
        var committed = (await engine.Store.StepsAsync(id, Ct)).Count;

        Assert.Equal(RunOutcome.Cancelled, await running.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(committed, (await engine.Store.StepsAsync(id, Ct)).Count); // the fence stopped the very next step
        Assert.Equal(RunStatus.Cancelled, (await engine.Store.GetAsync(id, Ct))!.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ARunCancelledWhileItsNodeFailsOrAsksAPerson_StaysCancelled(bool asksPerson)
    {
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var ending = Workflow.Create<Counter>("ending")
            .AddNode("last", async (context, _) =>
            {
                entered.TrySetResult();
                await release.Task;
                return asksPerson
                    ? new Update<Counter>().Set(s => s.Answer, context.Interrupt<string>(new { question = "go on?" }))
                    : throw new InvalidOperationException("a bug");
            })
            .AddEdge(Workflow.Start, "last")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [ending]);
        var (id, _) = await engine.Runner.CreateAsync("ending", null, null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await entered.Task;
        Assert.True(await engine.Store.CancelAsync(id, Ct));
        release.SetResult();

        Assert.Equal(RunOutcome.Cancelled, await running.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        var run = (await engine.Store.GetAsync(id, Ct))!;
        Assert.Equal((RunStatus.Cancelled, null, null), (run.Status, run.Error, run.Interrupt));
    }

    [Fact]
    public async Task AWorkerThatLosesAStepToAnotherWriter_GoesOnFromThatStep_WhileTheRunIsStillItsOwn()
    {
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var race = Workflow.Create<Counter>("race")
            .AddNode("n0", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1)))
            .AddNode("n1", async (_, state) =>
            {
                entered.TrySetResult();
                await release.Task;
                return new Update<Counter>().Set(s => s.Count, state.Count + 1);
            })
            .AddNode("n2", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1)))
            .AddEdge(Workflow.Start, "n0")
            .AddEdge("n0", "n1")
            .AddEdge("n1", "n2")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [race]);
        var (id, _) = await engine.Runner.CreateAsync("race", null, null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await entered.Task;
        // A worker that lost its lease without knowing it commits step 2 first, n1 writing 100 there.
        var n1 = Assert.Single((await engine.Store.NextTasksAtAsync(id, 1, Ct))!);
        var after = new System.Text.Json.Nodes.JsonObject { ["count"] = 100 };
        Assert.Equal(StepCommit.Committed, await engine.Store.CommitStepAsync(id, "stale-worker", 2, (n1, [new("count", 100)]), race.Next(["n1"], after), after, null, Ct));
        release.SetResult();

        Assert.Equal(RunOutcome.Completed, await running.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(101, (await engine.Store.GetAsync(id, Ct))!.Output!["count"]!.GetValue<int>()); // n2 ran once, after the step that won
        Assert.Equal(3, (await engine.Store.StepsAsync(id, Ct)).Count(s => s.Step > 0));
    }

    [Fact]
    public async Task ARunCancelledDuringALongStep_IsStoppedByItsLeaseHeartbeat_WithoutWaitingForTheStep()
    {
        var started = new TaskCompletionSource();
        var stuck = Workflow.Create<Counter>("stuck")
            .AddNode("wait", async (context, state) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.CancellationToken); // only the heartbeat can end this step
                return new Update<Counter>();
            })
            .AddEdge(Workflow.Start, "wait")
            .Build();
        await using var engine = await Engine.StartAsync(postgres, [stuck], options: new RunnerOptions { Lease = TimeSpan.FromMilliseconds(300) });
        var (id, _) = await engine.Runner.CreateAsync("stuck", null, null, Ct);

        var running = engine.Runner.RunAsync(id, Ct);
        await started.Task;
        Assert.True(await engine.Store.CancelAsync(id, Ct));

        Assert.Equal(RunOutcome.Cancelled, await running.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(RunStatus.Cancelled, (await engine.Store.GetAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task FinishedRuns_ArePrunedWithTheirCheckpoints_AfterTheirAge()
    {
        await using var engine = await Engine.StartAsync(postgres, [Linear("linear", 2)]);
        var (done, _) = await engine.RunAsync("linear");
        var (waiting, _) = await engine.Runner.CreateAsync("linear", null, null, Ct);

        Assert.Equal(0, await engine.Store.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(-1), Ct));
        Assert.Equal(1, await engine.Store.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), Ct));

        Assert.Null(await engine.Store.GetAsync(done, Ct));
        Assert.Empty(await engine.Store.StepsAsync(done, Ct));
        Assert.NotNull(await engine.Store.GetAsync(waiting, Ct)); // not finished: kept
    }
}
