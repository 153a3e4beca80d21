// Fleet page: sort by any column (click a header), refresh the rows from /console/api/fleet every
// 15 s. Rows are rebuilt with textContent only, so nothing a node reports is ever parsed as HTML.

(() => {
  const table = document.getElementById('fleet');
  const meta = window.perimeterData('fleet-meta');
  if (table === null || meta === null) {
    return;
  }
  let sortColumn = 0;
  let ascending = true;

  const keyOf = (row, column) => {
    const value = row.cells[column]?.dataset.sort ?? '';
    const number = Number(value);
    return value !== '' && Number.isFinite(number) ? number : value.toLowerCase();
  };
  const sortRows = () => {
    const body = table.tBodies[0];
    const rows = [...body.rows];
    rows.sort((a, b) => {
      const x = keyOf(a, sortColumn);
      const y = keyOf(b, sortColumn);
      const order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : typeof x === 'number' ? -1 : 1;
      return ascending ? order : -order;
    });
    for (const row of rows) {
      body.appendChild(row);
    }
    table.tHead.rows[0].querySelectorAll('th').forEach((th, index) => {
      th.classList.toggle('asc', index === sortColumn && ascending);
      th.classList.toggle('desc', index === sortColumn && !ascending);
    });
  };
  table.tHead.rows[0].querySelectorAll('th').forEach((th, index) => {
    th.addEventListener('click', () => {
      ascending = sortColumn === index ? !ascending : true;
      sortColumn = index;
      sortRows();
    });
  });

  const buildRow = (view) => {
    const tr = document.createElement('tr');
    tr.dataset.node = view.nodeId;
    const first = document.createElement('td');
    first.dataset.sort = view.nodeId;
    const link = document.createElement('a');
    link.href = view.href;
    link.textContent = view.nodeId;
    first.appendChild(link);
    if (view.hostName !== null) {
      const host = document.createElement('div');
      host.className = 'muted host';
      host.textContent = view.hostName;
      first.appendChild(host);
    }
    tr.appendChild(first);
    for (const cell of view.cells) {
      const td = document.createElement('td');
      td.dataset.sort = String(cell.sort);
      td.className = cell.cls;
      td.textContent = cell.text;
      tr.appendChild(td);
    }
    return tr;
  };
  const refresh = async () => {
    try {
      const response = await fetch(meta.api, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (response.status === 401) {
        window.location.assign('/sign-in');
        return;
      }
      if (!response.ok) {
        return;
      }
      const data = await response.json();
      const body = document.createElement('tbody');
      for (const view of data.rows) {
        body.appendChild(buildRow(view));
      }
      table.replaceChild(body, table.tBodies[0]);
      sortRows();
      const updated = document.getElementById('fleet-updated');
      if (updated !== null) {
        updated.textContent = data.now;
        updated.dateTime = data.now;
      }
    } catch {
      // The collector is restarting or the network is down: keep the last rows, try again later.
    }
  };
  setInterval(refresh, meta.refreshMs);
})();
