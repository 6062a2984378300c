// UI strings of the staff desk, Chinese first, English second.
// Every string the page shows goes through t(); enum names of the API
// (verdicts, zone kinds, relations, purposes...) through label(). The names
// of zone kinds and levels come from names.js, generated at build time from
// the table the printable record and the CLI use (spatial/rules/names.h).

import { ZONE_KIND_NAMES, LEVEL_NAMES } from './names.js';

/** `table`'s names in one language: { KEY: name }. */
function namesIn(table, language) {
  return Object.fromEntries(Object.entries(table).map(([key, names]) => [key, names[language]]));
}

const STRINGS = {
  zh: {
    'app.title': '红线核查 · 工作台',
    'app.subtitle': '生态保护红线、饮用水水源保护区、污水零直排区选址核查',
    'lang.switch': 'English',
    'lang.switchLabel': 'Switch to English',
    'map.label': '地图：保护区范围与拟选址位置',
    'map.coords': '经度 {lon}，纬度 {lat}',
    'map.zoomIn': '范围内区域过多，仅显示部分，请放大地图',
    'map.loading': '正在加载保护区……',
    'map.loadFailed': '保护区图层加载失败',
    'map.noTiles': '无底图（离线）',
    'basemap.title': '底图',
    'basemap.none': '无底图（离线）',
    'basemap.vector': '矢量',
    'basemap.imagery': '影像',
    'legend.context': '参考图层（县界等，不参与核查）',
    'legend.title': '图例（勾选以显示）',
    'legend.redLine': '生态保护红线',
    'legend.ws1': '饮用水水源一级保护区',
    'legend.ws2': '饮用水水源二级保护区',
    'legend.wsq': '饮用水水源准保护区',
    'legend.zd': '污水零直排区',
    'legend.other': '其他图层',
    'legend.site': '拟选址',
    'legend.hit': '涉及的保护区',
    'tabs.label': '选址输入方式',
    'tab.draw': '地图绘制',
    'tab.paste': '坐标表',
    'tab.upload': '上传文件',
    'tab.dms': '度分秒',
    'draw.point': '点',
    'draw.line': '线',
    'draw.polygon': '面',
    'draw.finish': '完成',
    'draw.undo': '撤销一点',
    'draw.clear': '清除',
    'draw.help': '选择类型后在地图上单击添加顶点，双击或按“完成”结束（Enter 完成，Esc 取消）。',
    'draw.status.none': '尚未绘制。',
    'draw.status.drawing': '正在绘制{type}：已有 {n} 个顶点。',
    'draw.status.done': '已绘制{type}，{n} 个顶点。',
    'draw.type.Point': '点',
    'draw.type.LineString': '线',
    'draw.type.Polygon': '面',
    'paste.label': '界址点坐标（每行一点：点号,X,Y 或 X Y；空行或重复首点闭合）',
    'paste.placeholder': 'J1,511673.2,3342229.0\nJ2,511873.2,3342229.0\nJ3,511873.2,3342429.0\nJ4,511673.2,3342429.0\nJ1,511673.2,3342229.0',
    'crs.label': '坐标系',
    'crs.GK': '高斯-克吕格3°带（自动识别带号）',
    'crs.EPSG:4490': 'CGCS2000 经纬度 (EPSG:4490)',
    'crs.EPSG:4326': 'WGS 84 经纬度 (EPSG:4326)',
    'crs.EPSG:4548': 'CGCS2000 3°带 中央经线117° (EPSG:4548)',
    'crs.EPSG:4549': 'CGCS2000 3°带 中央经线120° (EPSG:4549)',
    'crs.EPSG:4550': 'CGCS2000 3°带 中央经线123° (EPSG:4550)',
    'crs.EPSG:4527': 'CGCS2000 3°带 39带 带号前缀 (EPSG:4527)',
    'crs.EPSG:4528': 'CGCS2000 3°带 40带 带号前缀 (EPSG:4528)',
    'crs.EPSG:4529': 'CGCS2000 3°带 41带 带号前缀 (EPSG:4529)',
    'crs.GCJ-02': 'GCJ-02（高德、腾讯地图拾取）',
    'crs.BD-09': 'BD-09（百度地图拾取）',
    'upload.label': '选择文件（GeoJSON、KML/KMZ、GeoPackage、DXF、CSV，或含 Shapefile 的 .zip）',
    'upload.button': '上传',
    'upload.uploading': '正在上传……',
    'upload.result': '已读取 {n} 个要素（{driver}，图层 {layer}，坐标系 {crs}），合并为一个选址。',
    'upload.labels': '要素',
    'upload.noCrs': '文件未声明坐标系：请在下方选择坐标系后再检查（不确定时选“自动识别带号”）。检查前无法在地图上显示该选址。',
    'upload.none': '请先选择并上传文件。',
    'dms.label': '度分秒坐标（经度 纬度，CGCS2000）',
    'dms.lon': '经度',
    'dms.lat': '纬度',
    'dms.orLine': '或整行输入',
    'dms.line': '整行',
    'dms.placeholderLine': '120°30′15.2″E 30°05′10″N',
    'dms.placeholderLon': '120°30′15.2″E',
    'dms.placeholderLat': '30°05′10″N',
    'purpose.label': '用途',
    'purpose.none': '（请选择用途）',
    'outfallType.label': '排污口类型',
    'action.label': '建设性质',
    'asOf.label': '适用日期（留空为今日）',
    'asOf.title': '按该日有效的保护区范围核查',
    'check.button': '检查',
    'check.running': '正在检查……',
    'record.button': '打印记录',
    'record.title': '在新标签页打开可打印的核查记录',
    'record.blocked': '浏览器阻止了新窗口，请允许弹出窗口后重试。',
    'result.heading': '核查结论',
    'result.empty': '输入选址并按“检查”后，结论显示在这里。',
    'result.verdictReason': '理由',
    'result.site': '选址',
    'result.siteLine': '{type}，{n} 个顶点',
    'result.area': '面积',
    'result.length': '长度 / 周长',
    'result.point': '代表点',
    'result.coords': '坐标解读',
    'result.coords.requested': '请求的坐标系',
    'result.coords.used': '实际采用',
    'result.coords.zone': '已自动识别带号',
    'result.coords.swapped': 'X/Y（或经纬度）顺序颠倒，已纠正',
    'result.coords.repaired': '图形无效（如边界自相交），已按结构法修复后核查',
    'result.coords.converted': '已从 {from} 转换',
    'result.hits': '涉及的保护区',
    'result.noHits': '未涉及任何保护区。',
    'result.nearest': '邻近的保护区（搜索半径 {r} 米）',
    'result.noNearest': '搜索半径内没有其他保护区。',
    'result.rules': '适用规定',
    'result.noRules': '无适用规定。',
    'col.layer': '图层',
    'col.kind': '类型',
    'col.zone': '保护区',
    'col.level': '级别',
    'col.relation': '关系',
    'col.overlapArea': '重叠面积 (m²)',
    'col.overlapShare': '占选址比例',
    'col.overlapLength': '重叠长度 (m)',
    'col.distance': '距离 (m)',
    'rule.setback': '退让距离 {s} 米，实际距离 {d} 米',
    'rule.basis': '依据',
    'meta.dataset': '数据版本',
    'meta.checkedAt': '核查时间',
    'meta.asOf': '适用日期',
    'meta.layers': '已加载 {n} 个图层',
    'error.prefix': '请求失败',
    'error.400': '输入有误，无法核查',
    'error.404': '未找到请求的内容',
    'error.413': '文件或请求过大',
    'error.503': '服务暂不可用（可能正在加载数据）',
    'error.500': '服务器内部错误',
    'error.network': '无法连接服务器',
    'error.other': '服务器返回错误',
    'error.serverText': '服务器原文（英文）',
    'error.401': '需要登录：请输入访问令牌',
    'error.403': '您的角色无权进行此操作',
    'auth.prompt': '此服务需要访问令牌：',
    'auth.signIn': '登录',
    'auth.signOut': '退出',
    'auth.signedIn': '已登录：',
    'error.noSite': '请先输入选址（绘制、坐标表、上传文件或度分秒）。',
    'error.needCrs': '请为上传的文件选择坐标系。',
    'unit.m2': '平方米',
    'unit.m': '米',
    'unit.ha': '公顷',
    'yes': '是',
    'no': '否',
  },
  en: {
    'app.title': 'Redline · Staff desk',
    'app.subtitle': 'Siting checks against ecological red lines, drinking-water source protection zones and zero-direct-discharge zones',
    'lang.switch': '中文',
    'lang.switchLabel': '切换到中文',
    'map.label': 'Map: protected zones and the proposed site',
    'map.coords': 'lon {lon}, lat {lat}',
    'map.zoomIn': 'Too many zones in view, only some are drawn: zoom in',
    'map.loading': 'Loading zones…',
    'map.loadFailed': 'Could not load the zone layers',
    'map.noTiles': 'no base map (offline)',
    'basemap.title': 'Base map',
    'basemap.none': 'No base map (offline)',
    'basemap.vector': 'vector',
    'basemap.imagery': 'imagery',
    'legend.context': 'Context (county boundaries…, not checked)',
    'legend.title': 'Legend (tick to show)',
    'legend.redLine': 'Ecological red line',
    'legend.ws1': 'Water source, first-level zone',
    'legend.ws2': 'Water source, second-level zone',
    'legend.wsq': 'Water source, quasi-protection zone',
    'legend.zd': 'Zero-direct-discharge zone',
    'legend.other': 'Other layers',
    'legend.site': 'Proposed site',
    'legend.hit': 'Zones touched',
    'tabs.label': 'How to enter the site',
    'tab.draw': 'Draw',
    'tab.paste': 'Coordinates',
    'tab.upload': 'Upload',
    'tab.dms': 'DMS',
    'draw.point': 'Point',
    'draw.line': 'Line',
    'draw.polygon': 'Polygon',
    'draw.finish': 'Finish',
    'draw.undo': 'Undo point',
    'draw.clear': 'Clear',
    'draw.help': 'Pick a type, click the map to add vertices, double-click or press Finish to end (Enter finishes, Esc cancels).',
    'draw.status.none': 'Nothing drawn yet.',
    'draw.status.drawing': 'Drawing a {type}: {n} vertices so far.',
    'draw.status.done': '{type} drawn, {n} vertices.',
    'draw.type.Point': 'point',
    'draw.type.LineString': 'line',
    'draw.type.Polygon': 'polygon',
    'paste.label': 'Boundary point table (one point a line: number,X,Y or X Y; a blank line or the first point again closes a ring)',
    'paste.placeholder': 'J1,511673.2,3342229.0\nJ2,511873.2,3342229.0\nJ3,511873.2,3342429.0\nJ4,511673.2,3342429.0\nJ1,511673.2,3342229.0',
    'crs.label': 'Coordinate system',
    'crs.GK': 'Gauss-Kruger 3° (zone detected)',
    'crs.EPSG:4490': 'CGCS2000 lon/lat (EPSG:4490)',
    'crs.EPSG:4326': 'WGS 84 lon/lat (EPSG:4326)',
    'crs.EPSG:4548': 'CGCS2000 GK 3° CM 117°E (EPSG:4548)',
    'crs.EPSG:4549': 'CGCS2000 GK 3° CM 120°E (EPSG:4549)',
    'crs.EPSG:4550': 'CGCS2000 GK 3° CM 123°E (EPSG:4550)',
    'crs.EPSG:4527': 'CGCS2000 GK 3° zone 39, prefixed (EPSG:4527)',
    'crs.EPSG:4528': 'CGCS2000 GK 3° zone 40, prefixed (EPSG:4528)',
    'crs.EPSG:4529': 'CGCS2000 GK 3° zone 41, prefixed (EPSG:4529)',
    'crs.GCJ-02': 'GCJ-02 (Amap, Tencent picks)',
    'crs.BD-09': 'BD-09 (Baidu picks)',
    'upload.label': 'Choose a file (GeoJSON, KML/KMZ, GeoPackage, DXF, CSV, or a .zip holding a Shapefile)',
    'upload.button': 'Upload',
    'upload.uploading': 'Uploading…',
    'upload.result': 'Read {n} features ({driver}, layer {layer}, CRS {crs}), gathered into one site.',
    'upload.labels': 'Features',
    'upload.noCrs': 'The file declares no coordinate system: choose one below before checking (if unsure, "zone detected"). The site cannot be drawn until it is checked.',
    'upload.none': 'Choose and upload a file first.',
    'dms.label': 'Degrees, minutes, seconds (longitude latitude, CGCS2000)',
    'dms.lon': 'Longitude',
    'dms.lat': 'Latitude',
    'dms.orLine': 'or one line',
    'dms.line': 'One line',
    'dms.placeholderLine': '120°30′15.2″E 30°05′10″N',
    'dms.placeholderLon': '120°30′15.2″E',
    'dms.placeholderLat': '30°05′10″N',
    'purpose.label': 'Purpose',
    'purpose.none': '(choose a purpose)',
    'outfallType.label': 'Outfall type',
    'action.label': 'Action',
    'asOf.label': 'Zones in force on (empty: today)',
    'asOf.title': 'Check against the zones in force on this day',
    'check.button': 'Check',
    'check.running': 'Checking…',
    'record.button': 'Printable record',
    'record.title': 'Open the printable record in a new tab',
    'record.blocked': 'The browser blocked the new window: allow pop-ups and try again.',
    'result.heading': 'Verdict',
    'result.empty': 'Enter a site and press Check: the verdict appears here.',
    'result.verdictReason': 'Reason',
    'result.site': 'Site',
    'result.siteLine': '{type}, {n} vertices',
    'result.area': 'Area',
    'result.length': 'Length / perimeter',
    'result.point': 'Representative point',
    'result.coords': 'How the coordinates were read',
    'result.coords.requested': 'Requested CRS',
    'result.coords.used': 'Read as',
    'result.coords.zone': 'Gauss-Kruger zone detected',
    'result.coords.swapped': 'X/Y (or lat/lon) came swapped; corrected',
    'result.coords.repaired': 'The polygon was invalid (a self-intersecting ring, say); checked as made valid (structure method)',
    'result.coords.converted': 'Converted from {from}',
    'result.hits': 'Zones touched',
    'result.noHits': 'The site touches no zone.',
    'result.nearest': 'Nearby zones (search radius {r} m)',
    'result.noNearest': 'No other zone within the search radius.',
    'result.rules': 'Rules',
    'result.noRules': 'No rule applies.',
    'col.layer': 'Layer',
    'col.kind': 'Kind',
    'col.zone': 'Zone',
    'col.level': 'Level',
    'col.relation': 'Relation',
    'col.overlapArea': 'Overlap (m²)',
    'col.overlapShare': 'Share of site',
    'col.overlapLength': 'Overlap length (m)',
    'col.distance': 'Distance (m)',
    'rule.setback': 'setback {s} m, actual distance {d} m',
    'rule.basis': 'Basis',
    'meta.dataset': 'Dataset version',
    'meta.checkedAt': 'Checked at',
    'meta.asOf': 'Zones in force on',
    'meta.layers': '{n} layers loaded',
    'error.prefix': 'Request failed',
    'error.400': 'The input cannot be checked',
    'error.404': 'Not found',
    'error.413': 'The file or request is too large',
    'error.503': 'The service is unavailable (data may be loading)',
    'error.500': 'Internal server error',
    'error.network': 'Cannot reach the server',
    'error.other': 'The server returned an error',
    'error.serverText': 'The server\'s message',
    'error.401': 'Sign-in needed: enter your access token',
    'error.403': 'Your role may not do this',
    'auth.prompt': 'This service needs an access token:',
    'auth.signIn': 'Sign in',
    'auth.signOut': 'Sign out',
    'auth.signedIn': 'Signed in:',
    'error.noSite': 'Enter a site first (draw, coordinates, upload or DMS).',
    'error.needCrs': 'Choose the coordinate system of the uploaded file.',
    'unit.m2': 'm²',
    'unit.m': 'm',
    'unit.ha': 'ha',
    'yes': 'yes',
    'no': 'no',
  },
};

// Names of the API's enum values, per language.
const LABELS = {
  zh: {
    verdict: {
      PROHIBITED: '禁止', RESTRICTED: '限制', CONDITIONAL: '有条件', CLEAR: '可行',
      NEEDS_PURPOSE: '需说明用途', VERDICT_UNSPECIFIED: '未定',
    },
    kind: namesIn(ZONE_KIND_NAMES, 'zh'),
    level: namesIn(LEVEL_NAMES, 'zh'),
    relation: {
      INSIDE: '位于区内', BOUNDARY: '位于边界上', WITHIN: '全部位于区内', INTERSECTS: '部分位于区内',
      TOUCHES: '边界相接', RELATION_UNSPECIFIED: '—',
    },
    purpose: {
      OUTFALL: '排污口', DISCHARGING_PROJECT: '排放污染物的建设项目',
      NON_DISCHARGING_PROJECT: '不排放污染物的建设项目', SERIOUSLY_POLLUTING_PROJECT: '对水体污染严重的建设项目',
      WATER_SUPPLY_FACILITY: '供水设施（含与保护水源有关的项目）', LINEAR_INFRASTRUCTURE: '线性基础设施（道路、管线）',
      OTHER: '其他', PURPOSE_UNSPECIFIED: '未说明',
    },
    outfallType: { RIVER: '入河排污口', SEA: '入海排污口', RAINWATER: '雨水排放口', OUTFALL_TYPE_UNSPECIFIED: '未说明' },
    action: { NEW: '新建', EXPANDED: '扩建', REBUILT: '改建', ACTION_UNSPECIFIED: '新建' },
  },
  en: {
    verdict: {
      PROHIBITED: 'PROHIBITED', RESTRICTED: 'RESTRICTED', CONDITIONAL: 'CONDITIONAL', CLEAR: 'CLEAR',
      NEEDS_PURPOSE: 'NEEDS PURPOSE', VERDICT_UNSPECIFIED: 'UNSPECIFIED',
    },
    kind: namesIn(ZONE_KIND_NAMES, 'en'),
    level: namesIn(LEVEL_NAMES, 'en'),
    relation: {
      INSIDE: 'inside', BOUNDARY: 'on the boundary', WITHIN: 'entirely inside', INTERSECTS: 'partly inside',
      TOUCHES: 'touches', RELATION_UNSPECIFIED: '—',
    },
    purpose: {
      OUTFALL: 'Outfall', DISCHARGING_PROJECT: 'Project discharging pollutants',
      NON_DISCHARGING_PROJECT: 'Project discharging no pollutants', SERIOUSLY_POLLUTING_PROJECT: 'Project seriously polluting water',
      WATER_SUPPLY_FACILITY: 'Water supply facility (or source protection)', LINEAR_INFRASTRUCTURE: 'Linear infrastructure (road, pipeline)',
      OTHER: 'Other', PURPOSE_UNSPECIFIED: 'not given',
    },
    outfallType: { RIVER: 'River outfall', SEA: 'Sea outfall', RAINWATER: 'Rain-water outlet', OUTFALL_TYPE_UNSPECIFIED: 'not given' },
    action: { NEW: 'New', EXPANDED: 'Expanded', REBUILT: 'Rebuilt', ACTION_UNSPECIFIED: 'New' },
  },
};

let lang = 'zh';
const listeners = [];

export function getLang() { return lang; }

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  try { localStorage.setItem('redline.lang', lang); } catch (e) { /* private mode */ }
  applyToDom(document);
  for (const f of listeners) f(lang);
}

export function onLangChange(f) { listeners.push(f); }

export function initialLang() {
  try {
    const saved = localStorage.getItem('redline.lang');
    if (saved === 'en' || saved === 'zh') return saved;
  } catch (e) { /* private mode */ }
  return 'zh';
}

/** The string `key` in the current language, with {name} placeholders filled. */
export function t(key, args) {
  let s = STRINGS[lang][key];
  if (s === undefined) s = STRINGS.zh[key];
  if (s === undefined) return key;
  if (args) s = s.replace(/\{(\w+)\}/g, (m, k) => (args[k] === undefined ? m : String(args[k])));
  return s;
}

/**
 * A text the server sent for people, in the current language: `message` is
 * the API's Message ({code, params, textZh, textEn}); `fallback` (the older
 * English string field) is used only in English, or when the server sent no
 * Message at all (an older server).
 */
export function msgText(message, fallback) {
  if (message && (message.textZh || message.textEn)) {
    return (lang === 'zh' ? message.textZh : message.textEn) || message.textEn || message.textZh;
  }
  return fallback === undefined ? '' : String(fallback);
}

/** The texts of parallel `messages` and `fallbacks` arrays, in the current language. */
export function msgTexts(messages, fallbacks) {
  const m = messages || [];
  const f = fallbacks || [];
  if (m.length >= f.length && m.length) return m.map((x, i) => msgText(x, f[i]));
  return f.map((x, i) => msgText(m[i], x));
}

/** The label of an API enum value (group: verdict, kind, level, relation, purpose, outfallType, action). */
export function label(group, value) {
  const g = LABELS[lang][group] || {};
  if (value in g) return g[value];
  return value === undefined || value === null || value === '' ? '—' : String(value);
}

/** Fills elements marked data-i18n (text), data-i18n-placeholder, data-i18n-title, data-i18n-aria. */
export function applyToDom(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll('[data-i18n-title]').forEach((el) => { el.title = t(el.dataset.i18nTitle); });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nAria)); });
  document.title = t('app.title');
}

export const PURPOSES = ['OUTFALL', 'DISCHARGING_PROJECT', 'NON_DISCHARGING_PROJECT', 'SERIOUSLY_POLLUTING_PROJECT',
  'WATER_SUPPLY_FACILITY', 'LINEAR_INFRASTRUCTURE', 'OTHER'];
export const OUTFALL_TYPES = ['RIVER', 'SEA', 'RAINWATER'];
export const ACTIONS = ['NEW', 'EXPANDED', 'REBUILT'];
export const CRS_CHOICES = ['GK', 'EPSG:4490', 'EPSG:4326', 'EPSG:4549', 'EPSG:4548', 'EPSG:4550',
  'EPSG:4527', 'EPSG:4528', 'EPSG:4529', 'GCJ-02', 'BD-09'];
