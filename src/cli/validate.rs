//! `negsim validate`: the validation table from the shipped scenarios; exit 1 if a row fails.

use super::emit;

pub(super) fn cmd_validate() -> anyhow::Result<()> {
    let rows = negsim::study::validate::rows()?;
    emit(None, &negsim::study::validate::table(&rows))?;
    let failed = rows.iter().filter(|r| !r.pass).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} validation rows failed", rows.len());
    }
    Ok(())
}
