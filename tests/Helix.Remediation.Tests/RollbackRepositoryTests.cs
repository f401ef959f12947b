using Helix.Remediation.Git;
using Helix.Remediation.Tests.Support;
using Helix.Testing;
using LibGit2Sharp;

namespace Helix.Remediation.Tests;

/// <summary>Rollbacks against the harness's git server (smart HTTP, basic auth), as the service pushes to GitHub or Gitea.</summary>
[Collection(GitDependency.Name)]
public sealed class RollbackRepositoryTests(GitFixture git) : IDisposable
{
    private readonly GitTestRepo _remote = git.CreateBareRepository();
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("helix-rollback-");
    private GitHistory? _history;

    private const string Values = "gitops/apps/shop/base/deployment.yaml";

    private GitHistory History => _history ??= new GitHistory(_remote, Path.Combine(_scratch.FullName, "author"));

    private string Commit(string message, params (string Path, string Text)[] files) => History.Commit(message, files);

    private RollbackRepository Rollback() => new(
        new GitRemote(_remote.Url, "main", _remote.Credentials.Username, () => _remote.Credentials.Password, "helix-remediation", "remediation@helix.invalid"),
        Path.Combine(_scratch.FullName, "work"), TimeProvider.System);

    private string RemoteFile(string branch, string path) => History.RemoteFile(branch, path);

    private bool RemoteHasBranch(string branch) => History.RemoteHasBranch(branch);

    [Fact]
    public void ARange_IsRevertedNewestFirst_OnItsOwnBranch_AndTheTargetBranchIsUntouched()
    {
        var healthy = Commit("shop 1.0", (Values, "image: shop:1.0\nreplicas: 2\n"));
        Commit("shop 1.1", (Values, "image: shop:1.1\nreplicas: 2\n"));
        var bad = Commit("shop 1.1 with 4 replicas", (Values, "image: shop:1.1\nreplicas: 4\n"));
        var mainBefore = RemoteFile("main", Values);

        var outcome = Assert.IsType<RevertOutcome.Pushed>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));

        Assert.Equal($"helix/rollback/shop/{bad[..12]}", outcome.Branch);
        Assert.Equal(2, outcome.Reverted.Count);
        Assert.Equal(bad, outcome.Reverted[0]); // newest first
        Assert.Equal("image: shop:1.0\nreplicas: 2\n", RemoteFile(outcome.Branch, Values));
        Assert.Equal(mainBefore, RemoteFile("main", Values));
        using var bare = new Repository(_remote.Path);
        var head = bare.Branches[outcome.Branch].Tip;
        Assert.Equal(outcome.Head, head.Sha);
        Assert.StartsWith("Revert \"shop 1.1\"\n", head.Message, StringComparison.Ordinal);
        Assert.StartsWith("Revert \"shop 1.1 with 4 replicas\"\n", head.Parents.Single().Message, StringComparison.Ordinal);
        Assert.Equal("helix-remediation", head.Author.Name);
        Assert.EndsWith($"\n\n{RollbackRepository.Trailer}: shop\n", head.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARangeHoldingAHelixRollback_IsNeverRevertedAutomatically()
    {
        var healthy = Commit("v1", (Values, "v1\n"));
        var bad = Commit("v2", (Values, "v2\n"));
        var pushed = Assert.IsType<RevertOutcome.Pushed>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));
        // The rollback is merged (fast-forward here), then something degrades after its sync.
        using (var bare = new Repository(_remote.Path))
        {
            bare.Refs.UpdateTarget(bare.Refs["refs/heads/main"], bare.Branches[pushed.Branch].Tip.Id, "merge the rollback");
        }

        var outcome = Assert.IsType<RevertOutcome.RollbackInRange>(Rollback().Revert(new RevertRequest("shop", bad, pushed.Head, ["gitops/apps/shop"])));

        Assert.Equal(pushed.Head, outcome.Commit);
        Assert.False(RemoteHasBranch(RollbackRepository.BranchName("shop", pushed.Head)));
    }

    [Fact]
    public void ADryRun_PreparesTheReverts_AndPushesNothing()
    {
        var healthy = Commit("v1", (Values, "v1\n"));
        var bad = Commit("v2", (Values, "v2\n"));

        var prepared = Assert.IsType<RevertOutcome.Prepared>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"], DryRun: true)));

        Assert.Equal([bad], prepared.Reverted);
        Assert.False(RemoteHasBranch(prepared.Branch));
    }

    [Fact]
    public void TheSameRollbackTwice_PushesOnce()
    {
        var healthy = Commit("v1", (Values, "v1\n"));
        var bad = Commit("v2", (Values, "v2\n"));
        var rollback = Rollback();
        Assert.IsType<RevertOutcome.Pushed>(rollback.Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));
        var again = Assert.IsType<RevertOutcome.AlreadyPushed>(rollback.Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));
        Assert.Equal(RollbackRepository.BranchName("shop", bad), again.Branch);
    }

    [Fact]
    public void AConflict_IsReportedWithItsFile_AndNoBranchIsPushed()
    {
        var healthy = Commit("v1", (Values, "image: shop:1.0\n"));
        var bad = Commit("v2", (Values, "image: shop:2.0\n"));
        Commit("hotfix on top", (Values, "image: shop:2.0-hotfix\n")); // the same line changed again after the bad sync

        var conflict = Assert.IsType<RevertOutcome.Conflict>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));

        Assert.Equal(bad, conflict.Commit);
        Assert.Equal([Values], conflict.Paths);
        Assert.False(RemoteHasBranch(RollbackRepository.BranchName("shop", bad)));
        // The working clone is clean again: the next attempt is not poisoned by this one.
        var next = Commit("v3", (Values, "image: shop:3.0\n"));
        var fixedHealthy = next;
        Assert.IsType<RevertOutcome.NothingToRevert>(Rollback().Revert(new RevertRequest("shop", fixedHealthy, next, ["gitops/apps/shop"])));
    }

    [Fact]
    public void ARangeThatTouchesAnotherApplication_IsSkipped_UnlessAllowed()
    {
        var healthy = Commit("v1", (Values, "v1\n"));
        var bad = Commit("v2 and billing", (Values, "v2\n"), ("gitops/apps/billing/base/deployment.yaml", "billing v9\n"));

        var skipped = Assert.IsType<RevertOutcome.ForeignPaths>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"])));
        Assert.Equal(["gitops/apps/billing/base/deployment.yaml"], skipped.Paths);
        Assert.False(RemoteHasBranch(RollbackRepository.BranchName("shop", bad)));

        Assert.IsType<RevertOutcome.Pushed>(Rollback().Revert(new RevertRequest("shop", healthy, bad, ["gitops/apps/shop"], AllowForeignPaths: true)));
    }

    [Fact]
    public void ARevisionNoLongerOnTheBranch_OrUnknown_IsNotReverted()
    {
        var healthy = Commit("v1", (Values, "v1\n"));
        Commit("v2", (Values, "v2\n"));
        var outcome = Assert.IsType<RevertOutcome.NotOnBranch>(Rollback().Revert(new RevertRequest("shop", healthy, new string('a', 40), ["gitops/apps/shop"])));
        Assert.Contains("is not a commit", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongToken_FailsWithoutLeakingIt()
    {
        Commit("v1", (Values, "v1\n"));
        var rollback = new RollbackRepository(
            new GitRemote(_remote.Url, "main", _remote.Credentials.Username, () => "not-the-token-5f1c", "helix-remediation", "remediation@helix.invalid"),
            Path.Combine(_scratch.FullName, "denied"), TimeProvider.System);
        var error = Assert.ThrowsAny<LibGit2SharpException>(() => rollback.Revert(new RevertRequest("shop", "HEAD", "HEAD", ["gitops/apps/shop"])));
        Assert.DoesNotContain("not-the-token-5f1c", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _history?.Dispose();
        _remote.Dispose();
        foreach (var file in _scratch.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            file.Attributes = FileAttributes.Normal;
        }
        _scratch.Delete(recursive: true);
    }
}
