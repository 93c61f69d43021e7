"""``mcg cluster``: render the stage Jobs, submit a monthly run, copy a graph to local disk."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from mcg_lib.cli.options import data_root
from mcg_lib.cluster import JOBS_FILE
from mcg_lib.errors import ConfigError, McgError
from mcg_lib.log import get_logger
from mcg_lib.paths import DataRoot, check_ruleset_name, check_snapshot_name
from mcg_lib.pipeline.stages import load_pipeline, project_dir

log = get_logger(__name__)


@click.group()
def group() -> None:
    """Run the pipeline on the home K3s cluster.

    \b
    Example:
      mcg cluster render --check
      mcg --data-root /srv/music-graph cluster submit --snapshot 20250101
      mcg --data-root /srv/music-graph cluster sync-graph --snapshot 20250101 --dest /var/lib/mcg
    """


@group.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"File to write [default: {JOBS_FILE} in the project].",
)
@click.option(
    "--check", is_flag=True, help="Compare the file with the stage list instead of writing it."
)
def render(output: Path | None, check: bool) -> None:
    """Render the stage Jobs from pipelines/stages.toml."""
    from mcg_lib.cluster.render import dump_jobs, render_jobs

    path = output or project_dir() / JOBS_FILE
    text = dump_jobs(render_jobs(load_pipeline()))

    if check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            raise McgError(
                f"{path} differs from the Jobs rendered from pipelines/stages.toml",
                hint="run 'mcg cluster render' and commit the result",
            )
        click.echo(f"{path} matches the stage list")
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@group.command()
@click.option(
    "--snapshot",
    envvar="MCG_SNAPSHOT",
    default=None,
    help="Snapshot to build (env MCG_SNAPSHOT) [default: this month's dump date, YYYYMM01].",
)
@click.option(
    "--run-id", default=None, help="Name of this run's folder under runs/ [default: the UTC time]."
)
@click.option(
    "--jobs",
    "jobs_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help=f"Rendered stage Jobs [default: {JOBS_FILE} in the project].",
)
@click.option(
    "--image",
    default=None,
    help="Image of the stage Jobs [default: the image of the submitter's own pod, $POD_NAME].",
)
@click.option(
    "--namespace",
    envvar="MCG_NAMESPACE",
    default="mcg",
    show_default=True,
    help="Namespace of the Jobs.",
)
@click.option(
    "--poll-seconds",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds between Job status reads.",
)
@click.pass_context
def submit(
    ctx: click.Context,
    snapshot: str | None,
    run_id: str | None,
    jobs_file: Path | None,
    image: str | None,
    namespace: str,
    poll_seconds: float,
) -> None:
    """Create the stage Jobs in order, each after the previous one completes.

    The data root (--data-root or MCG_DATA_ROOT) must be the NVMe data root,
    where the run's folder runs/<snapshot>/<run-id>/ is created.
    """
    from mcg_lib.cluster.kube import KubeJobApi, load_api_client
    from mcg_lib.cluster.render import read_jobs
    from mcg_lib.cluster.submit import default_snapshot, new_run_id, submit_pipeline

    now = datetime.now(UTC)
    snapshot = check_snapshot_name(snapshot or default_snapshot(now))
    run_id = run_id or new_run_id(now)
    templates = read_jobs(jobs_file or project_dir() / JOBS_FILE)

    api = KubeJobApi(load_api_client(), namespace)
    if image is None:
        image = _own_image(api, "submit")
    submit_pipeline(
        api,
        templates,
        root=data_root(ctx),
        snapshot=snapshot,
        run_id=run_id,
        image=image,
        poll_seconds=poll_seconds,
    )
    run_dir = data_root(ctx).runs(snapshot) / run_id
    click.echo(f"run {run_id} of snapshot {snapshot} complete: {len(templates)} Jobs")
    click.echo(f"executed notebooks and run.json: {run_dir}")


def _own_image(api, container: str) -> str:
    pod_name = os.environ.get("POD_NAME")
    if not pod_name:
        raise ConfigError(
            "no --image given and POD_NAME is not set",
            hint="outside the cluster, pass --image REGISTRY/mcg:TAG",
        )
    return api.pod_image(pod_name, container)


@group.command("sync-graph")
@click.option("--snapshot", required=True, help="Snapshot of the graphs to copy.")
@click.option(
    "--ruleset",
    "rulesets",
    multiple=True,
    help="Ruleset to copy; repeat for several [default: every ruleset of pipelines/stages.toml].",
)
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Local data root; each graph lands in DEST/graph/<snapshot>/<ruleset>/.",
)
@click.option(
    "--prune", is_flag=True, help="Delete the other snapshots' graphs under DEST afterwards."
)
@click.pass_context
def sync_graph_command(
    ctx: click.Context, snapshot: str, rulesets: tuple[str, ...], dest: Path, prune: bool
) -> None:
    """Copy graph snapshots from the data root to local disk, verifying every checksum."""
    from mcg_lib.cluster.sync import prune_graphs, sync_graph

    check_snapshot_name(snapshot)
    names = [check_ruleset_name(r) for r in rulesets] or list(load_pipeline().rulesets)
    source = data_root(ctx)
    local = DataRoot(dest.absolute())

    for ruleset in names:
        result = sync_graph(source, local, snapshot, ruleset)
        action = "copied" if result.copied else "already current"
        click.echo(
            f"{ruleset}: {result.files} files, {result.bytes} bytes {action} at {result.path}"
        )

    if prune:
        for removed in prune_graphs(local, snapshot):
            click.echo(f"removed the graphs of snapshot {removed}")
